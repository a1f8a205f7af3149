/* One-line C shims for what Swift cannot call directly: ProFTPD's varargs
 * functions and function-like macros. No logic lives here. */
#ifndef MOD_PROXY_SWIFT_CSHIMS_H
#define MOD_PROXY_SWIFT_CSHIMS_H

/* The modules' versions, as upstream reports them: the one place they are
 * written (Swift imports these as String constants). */
#define MOD_PROXY_VERSION "mod_proxy/0.9.3"
#define MOD_PROXY_PROTOCOL_VERSION "mod_proxy_protocol/0.6"

#include "../../CProFTPD/proftpd_umbrella.h"

extern module proxy_module;
extern module proxy_protocol_module;

/* Exported by the daemon (src/dirtree.c) but not declared in its headers. */
extern xaset_t *server_list;
extern module xfer_module;
extern module *loaded_modules;

/* Logging */
void mps_log_pri(int priority, const char *msg);
void mps_log_debug(int level, const char *msg);
void mps_trace_msg(const char *channel, int level, const char *msg);
int mps_log_writefile(int fd, const char *ident, const char *msg);
void mps_log_auth(int priority, const char *msg);

/* Responses */
void mps_response_add(const char *code, const char *msg);
void mps_response_add_err(const char *code, const char *msg);
void mps_response_send(const char *code, const char *msg);
void mps_response_send_raw(const char *line);

/* Handler results (PR_HANDLED, PR_ERROR, CONF_ERROR) */
modret_t *mps_handled(cmd_rec *cmd);
modret_t *mps_error(cmd_rec *cmd);
modret_t *mps_conf_error(cmd_rec *cmd, const char *msg);

/* A config_rec holding argc strings, in the parser's current context. */
config_rec *mps_add_config_strings(const char *name, int argc,
  const char **argv, int multi);

/* PRIVS_ROOT / PRIVS_RELINQUISH */
void mps_privs_root(void);
void mps_privs_relinquish(void);
void mps_privs_revoke(void);
void mps_defer_root_drop(void);

/* Stream/connection field access that the importer hides behind unions. */
int mps_netio_fd(pr_netio_stream_t *nstrm);

/* OpenSSL macros (SSL_CTX_ctrl / SSL_ctrl wrappers). */
int mps_ssl_ctx_set_proto_range(SSL_CTX *ctx, int min_version, int max_version);
long mps_ssl_ctx_set_session_cache_mode(SSL_CTX *ctx, long mode);
int mps_ssl_set_sni(SSL *ssl, const char *name);
/* SSL_OP_* are SSL_OP_BIT(n) expressions Swift cannot import. */
void mps_ssl_ctx_disable_version(SSL_CTX *ctx, int version);
void mps_ssl_ctx_set_client_options(SSL_CTX *ctx, int no_tickets);
int mps_x509_lookup_add_dir(X509_LOOKUP *lookup, const char *dir);

/* Calls another module's PR_SYM_HOOK `symbol` with argv; *found is 0 when no
 * loaded module exports it. NULL result: declined. */
modret_t *mps_call_hook(pool *p, const char *symbol, int argc,
  const char **argv, int *found);

/* res_query (class IN) with the process's resolver state; *herr = h_errno. */
int mps_dns_query(const char *name, int type, unsigned char *answer,
  int size, int *herr);

/* ioctl(FIONREAD) (variadic): bytes a socket holds unread, -1 on error. */
int mps_socket_unread_bytes(int fd);

/* The first module named by AuthOrder for server s (or the main server),
 * NULL without AuthOrder. */
const char *mps_auth_order_first(server_rec *s);

/* mod_sftp (sftp_frontend.c): a HOOK called with one pointer argument
 * (its result's data, NULL when refused); frontend packets; the writer. */
void *mps_sftp_call_hook(pool *p, const char *name, void *arg, int *found);
const unsigned char *mps_sftp_packet_payload(void *pkt, uint32_t *len);
void mps_sftp_packet_free(void *pkt);
int mps_sftp_write_payload(void *writer, int fd, const unsigned char *payload,
  uint32_t len);

/* mod_sftp's keyboard-interactive: our driver registered (-1 without
 * mod_sftp's API), and one round of prompts and answers with the client. */
int mps_kbdint_register(void);
int mps_kbdint_exchange(pool *p, const char *name, const char *instruction,
  uint32_t count, const char **prompts, const char *echo,
  uint32_t *answer_count, const char ***answers);

/* The authtable's answers (PR_DECLINED, PR_ERROR_INT, a passwd entry). */
modret_t *mps_auth_declined(void);
modret_t *mps_auth_bad_password(cmd_rec *cmd);
modret_t *mps_auth_passwd(cmd_rec *cmd, const char *name, const char *home);

/* pr_redis_command with its arguments as an array_header of strings (built
 * here in p); 0 when the reply has reply_type, -1 with errno otherwise. */
int mps_redis_command(pool *p, pr_redis_t *redis, int argc,
  const char **argv, int reply_type);

#endif
