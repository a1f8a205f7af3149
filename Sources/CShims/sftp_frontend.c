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

/* ---- keyboard-interactive: a mod_sftp kbdint driver whose open and
 * authenticate are Swift (mps_kbdint_open, mps_kbdint_authenticate); mod_sftp's
 * challenge functions are found with dlsym at session time. */
#include <dlfcn.h>
#include "mod_sftp.h"

extern int mps_kbdint_open(const char *user);
extern int mps_kbdint_authenticate(const char *user);

static int kbdint_open(sftp_kbdint_driver_t *driver, const char *user) {
  return mps_kbdint_open(user);
}

static int kbdint_authenticate(sftp_kbdint_driver_t *driver, const char *user) {
  return mps_kbdint_authenticate(user);
}

static int kbdint_close(sftp_kbdint_driver_t *driver) {
  return 0;
}

static sftp_kbdint_driver_t proxy_kbdint_driver = {
  "mod_proxy", NULL, NULL, kbdint_open, kbdint_authenticate, kbdint_close
};

int mps_kbdint_register(void) {
  int (*reg)(const char *, sftp_kbdint_driver_t *) =
    dlsym(RTLD_DEFAULT, "sftp_kbdint_register_driver");

  if (reg == NULL) {
    errno = ENOSYS;
    return -1;
  }
  proxy_kbdint_driver.driver_pool = make_sub_pool(session.pool);
  return reg("mod_proxy", &proxy_kbdint_driver);
}

int mps_kbdint_exchange(pool *p, const char *name, const char *instruction,
    uint32_t count, const char **prompts, const char *echo,
    uint32_t *answer_count, const char ***answers) {
  int (*send)(const char *, const char *, uint32_t, sftp_kbdint_challenge_t *) =
    dlsym(RTLD_DEFAULT, "sftp_kbdint_send_challenge");
  int (*recv)(pool *, uint32_t, uint32_t *, const char ***) =
    dlsym(RTLD_DEFAULT, "sftp_kbdint_recv_response");
  sftp_kbdint_challenge_t *challenges;
  uint32_t i;

  if (send == NULL || recv == NULL) {
    errno = ENOSYS;
    return -1;
  }
  challenges = pcalloc(p, sizeof(sftp_kbdint_challenge_t) * (count > 0 ? count : 1));
  for (i = 0; i < count; i++) {
    challenges[i].challenge = pstrdup(p, prompts[i]);
    challenges[i].display_response = echo[i];
  }
  if (send(name, instruction, count, challenges) < 0) {
    return -1;
  }
  return recv(p, count, answer_count, answers);
}
