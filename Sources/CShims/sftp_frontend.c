/* Thin access to mod_sftp for the reverse SSH session (see
 * docs/ssh-reverse-design.md): its HOOKs through the stash, and the packet
 * struct of the installed <mod_sftp/packet.h>, so Swift never mirrors the
 * layout. Nothing here links against mod_sftp.so: the writer is a function
 * pointer that mod_sftp hands out through its hook. No logic lives here. */
#include "cshims.h"
#include "mod_sftp/packet.h"

void *mps_sftp_call_hook(pool *p, const char *name, void *arg, int *found) {
  cmdtable *tab = pr_stash_get_symbol2(PR_SYM_HOOK, name, NULL, NULL, NULL);
  cmd_rec *cmd;
  modret_t *mr;

  *found = tab != NULL;
  if (tab == NULL) {
    return NULL;
  }
  cmd = pr_cmd_alloc(p, 1, NULL);
  cmd->argv[0] = arg;
  mr = pr_module_call(tab->m, tab->handler, cmd);
  return (mr != NULL && !MODRET_ISERROR(mr)) ? mr->data : NULL;
}

const unsigned char *mps_sftp_packet_payload(void *pkt, uint32_t *len) {
  struct ssh2_packet *packet = pkt;
  *len = packet->payload_len;
  return packet->payload;
}

void mps_sftp_packet_free(void *pkt) {
  /* A packet the handler kept: mod_sftp frees only those it handles itself. */
  destroy_pool(((struct ssh2_packet *) pkt)->pool);
}

int mps_sftp_write_payload(void *writer, int fd, const unsigned char *payload,
    uint32_t len) {
  int (*write_packet)(int, struct ssh2_packet *) = writer;
  pool *p = make_sub_pool(session.pool);
  struct ssh2_packet *pkt = pcalloc(p, sizeof(struct ssh2_packet));
  int res, xerrno;

  pkt->pool = p;
  pkt->m = &proxy_module;
  pkt->payload = palloc(p, len);
  memcpy(pkt->payload, payload, len);
  pkt->payload_len = len;
  res = write_packet(fd, pkt);
  xerrno = errno;
  destroy_pool(p);
  errno = xerrno;
  return res;
}

modret_t *mps_auth_declined(void) {
  return PR_DECLINED(NULL);
}

modret_t *mps_auth_bad_password(cmd_rec *cmd) {
  return PR_ERROR_INT(cmd, PR_AUTH_BADPWD);
}

modret_t *mps_auth_passwd(cmd_rec *cmd, const char *name, const char *home) {
  /* The synthetic entry of a reverse SSH login: nobody, homed in the empty
   * ProxyTables directory. Static, as the getpw* family's own result. */
  static struct passwd pw;

  memset(&pw, 0, sizeof(pw));
  pw.pw_name = pstrdup(session.pool, name);
  pw.pw_passwd = "*";
  pw.pw_uid = 65534;
  pw.pw_gid = 65534;
  pw.pw_gecos = "";
  pw.pw_dir = pstrdup(session.pool, home);
  pw.pw_shell = "/bin/false";
  return mod_create_data(cmd, &pw);
}
