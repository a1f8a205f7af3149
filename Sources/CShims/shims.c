#include "cshims.h"
#include <sys/ioctl.h>

void mps_log_pri(int priority, const char *msg) {
  pr_log_pri(priority, "%s", msg);
}

void mps_log_debug(int level, const char *msg) {
  pr_log_debug(level, "%s", msg);
}

void mps_trace_msg(const char *channel, int level, const char *msg) {
  (void) pr_trace_msg(channel, level, "%s", msg);
}

int mps_log_writefile(int fd, const char *ident, const char *msg) {
  return pr_log_writefile(fd, ident, "%s", msg);
}

void mps_response_add(const char *code, const char *msg) {
  pr_response_add(code, "%s", msg);
}

void mps_response_add_err(const char *code, const char *msg) {
  pr_response_add_err(code, "%s", msg);
}

void mps_response_send(const char *code, const char *msg) {
  pr_response_send(code, "%s", msg);
}

void mps_response_send_raw(const char *line) {
  pr_response_send_raw("%s", line);
}

modret_t *mps_handled(cmd_rec *cmd) {
  return PR_HANDLED(cmd);
}

modret_t *mps_error(cmd_rec *cmd) {
  return PR_ERROR(cmd);
}

modret_t *mps_conf_error(cmd_rec *cmd, const char *msg) {
  CONF_ERROR(cmd, msg);
}

config_rec *mps_add_config_strings(const char *name, int argc,
    const char **argv, int multi) {
  config_rec *c = add_config_param(name, 0);
  int i;

  c->argc = argc;
  c->argv = pcalloc(c->pool, sizeof(void *) * (argc + 1));
  for (i = 0; i < argc; i++) {
    c->argv[i] = pstrdup(c->pool, argv[i]);
  }
  if (multi) {
    c->flags |= CF_MULTI;
  }
  return c;
}

void mps_privs_root(void) {
  PRIVS_ROOT
}

void mps_privs_relinquish(void) {
  PRIVS_RELINQUISH
}

void mps_privs_revoke(void) {
  PRIVS_REVOKE
}

int mps_netio_fd(pr_netio_stream_t *nstrm) {
  return nstrm != NULL ? PR_NETIO_FD(nstrm) : -1;
}

int mps_ssl_ctx_set_proto_range(SSL_CTX *ctx, int min_version, int max_version) {
  return SSL_CTX_set_min_proto_version(ctx, min_version) == 1 &&
    SSL_CTX_set_max_proto_version(ctx, max_version) == 1;
}

long mps_ssl_ctx_set_session_cache_mode(SSL_CTX *ctx, long mode) {
  return SSL_CTX_set_session_cache_mode(ctx, mode);
}

int mps_ssl_set_sni(SSL *ssl, const char *name) {
  return (int) SSL_set_tlsext_host_name(ssl, name);
}

void mps_ssl_ctx_disable_version(SSL_CTX *ctx, int version) {
  uint64_t op = 0;
  switch (version) {
    case SSL3_VERSION: op = SSL_OP_NO_SSLv3; break;
    case TLS1_VERSION: op = SSL_OP_NO_TLSv1; break;
    case TLS1_1_VERSION: op = SSL_OP_NO_TLSv1_1; break;
    case TLS1_2_VERSION: op = SSL_OP_NO_TLSv1_2; break;
    case TLS1_3_VERSION: op = SSL_OP_NO_TLSv1_3; break;
  }
  SSL_CTX_set_options(ctx, op);
}

void mps_ssl_ctx_set_client_options(SSL_CTX *ctx, int no_tickets) {
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | (no_tickets ? SSL_OP_NO_TICKET : 0));
}

int mps_x509_lookup_add_dir(X509_LOOKUP *lookup, const char *dir) {
  return X509_LOOKUP_add_dir(lookup, dir, X509_FILETYPE_PEM);
}

int mps_socket_unread_bytes(int fd) {
  int n = 0;
  return ioctl(fd, FIONREAD, &n) == 0 ? n : -1;
}
