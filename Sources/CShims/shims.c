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

void mps_log_auth(int priority, const char *msg) {
  pr_log_auth(priority, "%s", msg);
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

/* For this session process only: mod_auth's POST_CMD PASS keeps root
 * (RootRevoke off) and mod_cap's does not lower the capabilities
 * (CapabilitiesEngine off); the module revokes root itself later. */
static config_rec *mps_main_param(const char *name, size_t size) {
  config_rec *c = find_config(main_server->conf, CONF_PARAM, name, FALSE);
  if (c == NULL) {
    c = add_config_param_set(&main_server->conf, name, 1, NULL);
    c->argv[0] = pcalloc(c->pool, size);
  }
  return c;
}

void mps_defer_root_drop(void) {
  *((int *) mps_main_param("RootRevoke", sizeof(int))->argv[0]) = FALSE;
  *((unsigned char *) mps_main_param("CapabilitiesEngine", sizeof(unsigned char))->argv[0]) = FALSE;
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

modret_t *mps_call_hook(pool *p, const char *symbol, int argc,
    const char **argv, int *found) {
  /* A module's exported hook (e.g. mod_sql's "sql_lookup"), called with a
   * cmd_rec built as the hook's own module builds them. */
  cmdtable *tab = pr_stash_get_symbol2(PR_SYM_HOOK, symbol, NULL, NULL, NULL);
  cmd_rec *cmd;
  int i;

  *found = tab != NULL;
  if (tab == NULL) {
    return NULL;
  }
  cmd = pcalloc(p, sizeof(cmd_rec));
  cmd->pool = p;
  cmd->tmp_pool = p;
  cmd->argc = argc;
  cmd->argv = pcalloc(p, sizeof(void *) * (argc + 1));
  for (i = 0; i < argc; i++) {
    cmd->argv[i] = pstrdup(p, argv[i]);
  }
  return pr_module_call(tab->m, tab->handler, cmd);
}

int mps_dns_query(const char *name, int type, unsigned char *answer,
    int size, int *herr) {
  int len = res_query(name, C_IN, type, answer, size);
  *herr = len < 0 ? h_errno : 0;
  return len;
}

int mps_socket_unread_bytes(int fd) {
  int n = 0;
  return ioctl(fd, FIONREAD, &n) == 0 ? n : -1;
}

const char *mps_auth_order_first(server_rec *s) {
  /* AuthOrder keeps its module names in an array_header (mod_core.c). */
  config_rec *c = find_config(s->conf, CONF_PARAM, "AuthOrder", FALSE);
  array_header *names;

  if (c == NULL && main_server != NULL && s != main_server) {
    c = find_config(main_server->conf, CONF_PARAM, "AuthOrder", FALSE);
  }
  if (c == NULL || c->argv == NULL || c->argv[0] == NULL) {
    return NULL;
  }
  names = c->argv[0];
  return names->nelts > 0 ? ((char **) names->elts)[0] : NULL;
}

int mps_redis_command(pool *p, pr_redis_t *redis, int argc,
    const char **argv, int reply_type) {
  array_header *args = make_array(p, argc, sizeof(char *));
  int i;

  for (i = 0; i < argc; i++) {
    *((char **) push_array(args)) = pstrdup(p, argv[i]);
  }
  return pr_redis_command(redis, args, reply_type);
}
