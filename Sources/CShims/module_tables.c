/* The two ProFTPD module tables. Every entry points at a Swift function
 * exported with @_cdecl; see Sources/ModProxySwift/Module/. */
#include "cshims.h"


/* Implemented in Swift. */
extern modret_t *mps_set_directive(cmd_rec *cmd);
extern modret_t *mps_cmd_any(cmd_rec *cmd);
extern modret_t *mps_post_prot(cmd_rec *cmd);
extern modret_t *mps_post_auth(cmd_rec *cmd);
extern int mps_module_init(void);
extern int mps_session_init(void);
extern modret_t *mps_auth_getpwnam(cmd_rec *cmd);
extern modret_t *mps_auth_authenticate(cmd_rec *cmd);

extern modret_t *mpp_set_directive(cmd_rec *cmd);
extern int mpp_module_init(void);
extern int mpp_session_init(void);

static conftable proxy_conftab[] = {
  { "ProxyDataTransferPolicy",		mps_set_directive, NULL },
  { "ProxyDatastore",			mps_set_directive, NULL },
  { "ProxyDirectoryListPolicy",		mps_set_directive, NULL },
  { "ProxyEngine",			mps_set_directive, NULL },
  { "ProxyForwardEnabled",		mps_set_directive, NULL },
  { "ProxyForwardMethod",		mps_set_directive, NULL },
  { "ProxyForwardTo",			mps_set_directive, NULL },
  { "ProxyLog",				mps_set_directive, NULL },
  { "ProxyOptions",			mps_set_directive, NULL },
  { "ProxyRetryCount",			mps_set_directive, NULL },
  { "ProxyReverseConnectPolicy",	mps_set_directive, NULL },
  { "ProxyReverseServers",		mps_set_directive, NULL },
  { "ProxyRole",			mps_set_directive, NULL },
  { "ProxySourceAddress",		mps_set_directive, NULL },
  { "ProxyTables",			mps_set_directive, NULL },
  { "ProxyTimeoutConnect",		mps_set_directive, NULL },
  { "ProxyTimeoutLinger",		mps_set_directive, NULL },

  { "ProxySFTPCiphers",			mps_set_directive, NULL },
  { "ProxySFTPCompression",		mps_set_directive, NULL },
  { "ProxySFTPDigests",			mps_set_directive, NULL },
  { "ProxySFTPHostKey",			mps_set_directive, NULL },
  { "ProxySFTPKeyExchanges",		mps_set_directive, NULL },
  { "ProxySFTPOptions",			mps_set_directive, NULL },
  { "ProxySFTPPassPhraseProvider",	mps_set_directive, NULL },
  { "ProxySFTPServerAlive",		mps_set_directive, NULL },
  { "ProxySFTPServerMatch",		mps_set_directive, NULL },
  { "ProxySFTPVerifyServer",		mps_set_directive, NULL },

  { "ProxyTLSCACertificateFile",	mps_set_directive, NULL },
  { "ProxyTLSCACertificatePath",	mps_set_directive, NULL },
  { "ProxyTLSCARevocationFile",		mps_set_directive, NULL },
  { "ProxyTLSCARevocationPath",		mps_set_directive, NULL },
  { "ProxyTLSCertificateFile",		mps_set_directive, NULL },
  { "ProxyTLSCertificateKeyFile",	mps_set_directive, NULL },
  { "ProxyTLSCipherSuite",		mps_set_directive, NULL },
  { "ProxyTLSEngine",			mps_set_directive, NULL },
  { "ProxyTLSOptions",			mps_set_directive, NULL },
  { "ProxyTLSPreSharedKey",		mps_set_directive, NULL },
  { "ProxyTLSProtocol",			mps_set_directive, NULL },
  { "ProxyTLSTimeoutHandshake",		mps_set_directive, NULL },
  { "ProxyTLSTransferProtectionPolicy",	mps_set_directive, NULL },
  { "ProxyTLSVerifyServer",		mps_set_directive, NULL },
  { NULL }
};

static cmdtable proxy_cmdtab[] = {
  { CMD,	C_ANY,	G_NONE,	mps_cmd_any,	FALSE, FALSE },
  { POST_CMD,	C_PROT,	G_NONE,	mps_post_prot,	FALSE, FALSE },
  { POST_CMD,	C_AUTH,	G_NONE,	mps_post_auth,	FALSE, FALSE },
  { 0, NULL }
};

/* Answers only in reverse SSH sessions (the backend decides the password). */
static authtable proxy_authtab[] = {
  { 0, "getpwnam", mps_auth_getpwnam },
  { 0, "auth", mps_auth_authenticate },
  { 0, NULL, NULL }
};

module proxy_module = {
  NULL, NULL,
  0x20,
  "proxy",
  proxy_conftab,
  proxy_cmdtab,
  proxy_authtab,
  mps_module_init,
  mps_session_init,
  MOD_PROXY_VERSION
};

static conftable proxy_protocol_conftab[] = {
  { "ProxyProtocolEngine",	mpp_set_directive, NULL },
  { "ProxyProtocolIgnore",	mpp_set_directive, NULL },
  { "ProxyProtocolOptions",	mpp_set_directive, NULL },
  { "ProxyProtocolTimeout",	mpp_set_directive, NULL },
  { "ProxyProtocolVersion",	mpp_set_directive, NULL },
  { NULL }
};

module proxy_protocol_module = {
  NULL, NULL,
  0x20,
  "proxy_protocol",
  proxy_protocol_conftab,
  NULL,
  NULL,
  mpp_module_init,
  mpp_session_init,
  MOD_PROXY_PROTOCOL_VERSION
};
