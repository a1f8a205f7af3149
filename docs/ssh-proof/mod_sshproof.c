/*
 * Throwaway proof (not project code): can a second DSO take over the
 * frontend SSH packets of Debian's mod_sftp (proftpd 1.3.8) the way
 * mod_proxy must?  It resolves mod_sftp's three HOOK symbols through the
 * stash (no linking against mod_sftp.so), installs a packet handler after
 * the first KEX, logs every frontend packet type (falling back to mod_sftp
 * with ENOSYS), writes one SSH_MSG_IGNORE to the client through mod_sftp's
 * packet writer after auth, and optionally installs an auth-success
 * handler that refuses the login (to show where mod_sftp calls it).
 *
 *   SSHProofEngine on
 *   SSHProofLog /path/to/log
 *   SSHProofVetoAuth on|off
 *   SSHProofAuth on|off      (authtable + kbdint driver, simulated backend)
 *   SSHProofHome /dir        (home of the synthetic px* users)
 *   SSHProofChroot /dir      (a success handler that chroots there, drops
 *                             root and accepts; instead of mod_sftp's own)
 *   SSHProofFakeExec on|off  (after auth, keep CHANNEL_* packets and answer
 *                             an exec request through the writer)
 *
 * Not part of the module build; docs/ssh-proof/run.sh builds and runs it.
 */

#include "conf.h"
#include "privs.h"
#include "mod_sftp.h"
#include "mod_sftp/packet.h"
#include "mod_sftp/ssh2.h"
#include <dlfcn.h>

#define MOD_SSHPROOF_VERSION "mod_sshproof/0.1"

module sshproof_module;
extern module *loaded_modules;

static int proof_logfd = -1;
static int veto_auth = FALSE;
static int (*frontend_write)(int, void *) = NULL;
static unsigned int *sftp_state = NULL;
static unsigned long read_polls_in_kex = 0, read_polls = 0, handled = 0, kex_completed = 0;
static int sent_ignore = FALSE;

static void plog(const char *fmt, ...) {
  char buf[1024];
  va_list ap;

  va_start(ap, fmt);
  pr_vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  (void) pr_log_writefile(proof_logfd, MOD_SSHPROOF_VERSION, "%s", buf);
}

/* Calls one of mod_sftp's HOOK handlers with one argument. */
static modret_t *call_sftp_hook(pool *p, const char *name, void *arg) {
  cmdtable *tab;
  cmd_rec *cmd;
  modret_t *mr;

  tab = pr_stash_get_symbol2(PR_SYM_HOOK, name, NULL, NULL, NULL);
  if (tab == NULL) {
    plog("hook '%s' NOT found in the stash", name);
    return NULL;
  }

  cmd = pr_cmd_alloc(p, 1, NULL);
  cmd->argv[0] = arg;
  mr = pr_module_call(tab->m, tab->handler, cmd);
  plog("hook '%s' (module %s) -> %s", name, tab->m->name,
    mr == NULL ? "NULL" : MODRET_ISERROR(mr) ? "ERROR" : "HANDLED");
  return mr;
}

static const char *msg_name(unsigned char t) {
  switch (t) {
    case SFTP_SSH2_MSG_DISCONNECT: return "DISCONNECT";
    case SFTP_SSH2_MSG_IGNORE: return "IGNORE";
    case SFTP_SSH2_MSG_SERVICE_REQUEST: return "SERVICE_REQUEST";
    case SFTP_SSH2_MSG_EXT_INFO: return "EXT_INFO";
    case SFTP_SSH2_MSG_KEXINIT: return "KEXINIT";
    case SFTP_SSH2_MSG_NEWKEYS: return "NEWKEYS";
    case SFTP_SSH2_MSG_USER_AUTH_REQUEST: return "USER_AUTH_REQUEST";
    case SFTP_SSH2_MSG_GLOBAL_REQUEST: return "GLOBAL_REQUEST";
    case SFTP_SSH2_MSG_CHANNEL_OPEN: return "CHANNEL_OPEN";
    case SFTP_SSH2_MSG_CHANNEL_WINDOW_ADJUST: return "CHANNEL_WINDOW_ADJUST";
    case SFTP_SSH2_MSG_CHANNEL_DATA: return "CHANNEL_DATA";
    case SFTP_SSH2_MSG_CHANNEL_EOF: return "CHANNEL_EOF";
    case SFTP_SSH2_MSG_CHANNEL_CLOSE: return "CHANNEL_CLOSE";
    case SFTP_SSH2_MSG_CHANNEL_REQUEST: return "CHANNEL_REQUEST";
    default: return "other";
  }
}

/* One SSH_MSG_IGNORE to the client, encrypted by mod_sftp's own writer. */
static void send_ignore(void) {
  pool *p;
  struct ssh2_packet *pkt;
  unsigned char *buf;
  const char *text = "sshproof";
  uint32_t len = strlen(text);
  int res;

  p = make_sub_pool(session.pool);
  pkt = pcalloc(p, sizeof(struct ssh2_packet));
  pkt->pool = p;
  pkt->m = &sshproof_module;
  buf = palloc(p, 1 + 4 + len);
  buf[0] = SFTP_SSH2_MSG_IGNORE;
  buf[1] = (len >> 24) & 0xff; buf[2] = (len >> 16) & 0xff;
  buf[3] = (len >> 8) & 0xff; buf[4] = len & 0xff;
  memcpy(buf + 5, text, len);
  pkt->payload = buf;
  pkt->payload_len = 5 + len;

  res = frontend_write(session.c->wfd, pkt);
  plog("wrote SSH_MSG_IGNORE to the client through sftp_get_packet_write: %d",
    res);
  destroy_pool(p);
}


/* ---- SSHProofFakeExec: after auth the handler keeps every CHANNEL_* packet
 * (returns 0, frees pkt->pool) and answers an "exec" itself through the
 * writer: output, exit-status, EOF, CLOSE.  This is the frontend half of the
 * relay (the backend half being SSHClientTransport). */
static int fake_exec = FALSE;

struct wbuf {
  unsigned char data[4096];
  uint32_t len;
};

static void put_u32(struct wbuf *b, uint32_t v) {
  b->data[b->len++] = (v >> 24) & 0xff; b->data[b->len++] = (v >> 16) & 0xff;
  b->data[b->len++] = (v >> 8) & 0xff; b->data[b->len++] = v & 0xff;
}

static void put_str(struct wbuf *b, const char *str, uint32_t n) {
  put_u32(b, n);
  memcpy(b->data + b->len, str, n);
  b->len += n;
}

static uint32_t get_u32(const unsigned char **p, uint32_t *left) {
  uint32_t v;

  if (*left < 4) {
    *left = 0;
    return 0;
  }
  v = ((uint32_t) (*p)[0] << 24) | ((uint32_t) (*p)[1] << 16) |
    ((uint32_t) (*p)[2] << 8) | (uint32_t) (*p)[3];
  *p += 4; *left -= 4;
  return v;
}

static const unsigned char *get_str(const unsigned char **p, uint32_t *left,
    uint32_t *n) {
  const unsigned char *s;

  *n = get_u32(p, left);
  if (*n > *left) {
    *n = 0;
    *left = 0;
    return (const unsigned char *) "";
  }
  s = *p;
  *p += *n; *left -= *n;
  return s;
}

static void write_frontend(struct wbuf *b) {
  pool *p = make_sub_pool(session.pool);
  struct ssh2_packet *pkt = pcalloc(p, sizeof(struct ssh2_packet));

  pkt->pool = p;
  pkt->m = &sshproof_module;
  pkt->payload = palloc(p, b->len);
  memcpy(pkt->payload, b->data, b->len);
  pkt->payload_len = b->len;
  if (frontend_write(session.c->wfd, pkt) < 0) {
    plog("write to the client failed: %s", strerror(errno));
  }
  destroy_pool(p);
}

/* Returns TRUE when the packet was a channel packet and has been answered. */
static int fake_exec_handle(struct ssh2_packet *pkt) {
  const unsigned char *p = pkt->payload + 1;
  uint32_t left = pkt->payload_len - 1, n, peer;
  unsigned char t = pkt->payload[0];
  struct wbuf b;

  memset(&b, 0, sizeof(b));
  switch (t) {
    case SFTP_SSH2_MSG_CHANNEL_OPEN: {
      const unsigned char *kind = get_str(&p, &left, &n);
      peer = get_u32(&p, &left);
      plog("fake exec: CHANNEL_OPEN '%.*s' from client channel %lu",
        (int) n, kind, (unsigned long) peer);
      b.data[b.len++] = 91;                    /* CHANNEL_OPEN_CONFIRMATION */
      put_u32(&b, peer);
      put_u32(&b, 0);                          /* our channel id */
      put_u32(&b, 2 * 1024 * 1024);            /* window */
      put_u32(&b, 32768);                      /* max packet */
      write_frontend(&b);
      return TRUE;
    }

    case SFTP_SSH2_MSG_CHANNEL_REQUEST: {
      const unsigned char *kind, *cmd = NULL;
      uint32_t cmdlen = 0, i;
      char want_reply;

      (void) get_u32(&p, &left);               /* our channel id */
      kind = get_str(&p, &left, &n);
      want_reply = left > 0 ? *p : 0;
      if (left > 0) { p++; left--; }
      if (n == 4 && memcmp(kind, "exec", 4) == 0) {
        cmd = get_str(&p, &left, &cmdlen);
      }
      plog("fake exec: CHANNEL_REQUEST '%.*s'%s", (int) n, kind,
        want_reply ? " (want reply)" : "");
      if (want_reply) {
        memset(&b, 0, sizeof(b));
        b.data[b.len++] = cmd != NULL ? 99 : 100;  /* CHANNEL_SUCCESS/FAILURE */
        put_u32(&b, 0);
        write_frontend(&b);
      }
      if (cmd == NULL) {
        return TRUE;
      }
      for (i = 0; i < 3; i++) {
        char line[256];
        int len = snprintf(line, sizeof(line), "proof line %u for '%.*s'\n",
          (unsigned int) i + 1, (int) cmdlen, cmd);
        memset(&b, 0, sizeof(b));
        b.data[b.len++] = SFTP_SSH2_MSG_CHANNEL_DATA;
        put_u32(&b, 0);
        put_str(&b, line, len);
        write_frontend(&b);
      }
      memset(&b, 0, sizeof(b));
      b.data[b.len++] = SFTP_SSH2_MSG_CHANNEL_REQUEST;
      put_u32(&b, 0);
      put_str(&b, "exit-status", 11);
      b.data[b.len++] = 0;
      put_u32(&b, 7);
      write_frontend(&b);
      memset(&b, 0, sizeof(b));
      b.data[b.len++] = SFTP_SSH2_MSG_CHANNEL_EOF;
      put_u32(&b, 0);
      write_frontend(&b);
      memset(&b, 0, sizeof(b));
      b.data[b.len++] = SFTP_SSH2_MSG_CHANNEL_CLOSE;
      put_u32(&b, 0);
      write_frontend(&b);
      plog("fake exec: sent 3 lines, exit-status 7, EOF, CLOSE");
      return TRUE;
    }

    case SFTP_SSH2_MSG_CHANNEL_DATA:
    case SFTP_SSH2_MSG_CHANNEL_EOF:
    case SFTP_SSH2_MSG_CHANNEL_CLOSE:
    case SFTP_SSH2_MSG_CHANNEL_WINDOW_ADJUST:
      plog("fake exec: kept %s", msg_name(t));
      return TRUE;
  }
  return FALSE;
}

static int proof_packet_handler(void *data) {
  struct ssh2_packet *pkt = data;
  unsigned char t = pkt->payload_len > 0 ? pkt->payload[0] : 0;
  unsigned int state = sftp_state != NULL ? *sftp_state : 0;

  handled++;
  plog("frontend packet %s (%u), payload %lu bytes, sftp_sess_state 0x%02x%s",
    msg_name(t), (unsigned int) t, (unsigned long) pkt->payload_len, state,
    pkt->m == &sshproof_module ? " (ours?!)" : "");

  if (!sent_ignore &&
      (state & SFTP_SESS_STATE_HAVE_AUTH) &&
      !(state & SFTP_SESS_STATE_REKEYING) &&
      frontend_write != NULL) {
    sent_ignore = TRUE;
    send_ignore();
  }

  if (fake_exec &&
      (state & SFTP_SESS_STATE_HAVE_AUTH) &&
      pkt->payload_len > 0 &&
      fake_exec_handle(pkt)) {
    /* Kept: mod_sftp never sees it, so its pool is ours to free. */
    destroy_pool(pkt->pool);
    return 0;
  }

  /* Let mod_sftp handle it (and destroy pkt->pool). */
  errno = ENOSYS;
  return -1;
}

/* SSHProofVetoAuth chroot: what the real success handler will do after the
 * backend login: chroot into an empty directory, give up root for good,
 * and let mod_sftp send USERAUTH_SUCCESS (its own setup_env never runs). */
static const char *proof_chroot = NULL;

static int proof_auth_accept(pool *p, const char *user) {
  int ok;

  PRIVS_ROOT
  ok = chroot(proof_chroot) == 0 && chdir("/") == 0;
  PRIVS_RELINQUISH
  PRIVS_ROOT
  PRIVS_REVOKE
  session.user = pstrdup(session.pool, user);
  plog("auth-success handler (chroot mode): user '%s', chroot to %s %s, "
    "uid %lu euid %lu", user, proof_chroot, ok ? "done" : "FAILED",
    (unsigned long) getuid(), (unsigned long) geteuid());
  return ok ? 0 : -1;
}

static int proof_auth_success(pool *p, const char *user) {
  const char *method = pr_table_get(session.notes, "SFTP_USER_AUTH_METHOD",
    NULL);
  const char *fp = pr_table_get(session.notes,
    "SFTP_USER_PUBLICKEY_FINGERPRINT", NULL);

  plog("auth-success handler called: user '%s', method %s, key %s, "
    "sftp_sess_state 0x%02x; vetoing", user, method ? method : "?",
    fp ? fp : "-", sftp_state ? *sftp_state : 0);
  return -1;
}

static void kex_completed_ev(const void *event_data, void *user_data) {
  pool *tmp;
  modret_t *mr;

  kex_completed++;
  plog("mod_sftp.ssh2.kex.completed #%lu, sftp_sess_state 0x%02x",
    kex_completed, sftp_state ? *sftp_state : 0);

  tmp = make_sub_pool(session.pool);
  (void) call_sftp_hook(tmp, "sftp_set_packet_handler",
    (void *) proof_packet_handler);

  if (kex_completed == 1) {
    mr = call_sftp_hook(tmp, "sftp_get_packet_write", NULL);
    if (mr != NULL && !MODRET_ISERROR(mr)) {
      frontend_write = mr->data;
      plog("packet writer from the hook %p, dlsym sftp_ssh2_packet_write %p",
        (void *) frontend_write, dlsym(RTLD_DEFAULT, "sftp_ssh2_packet_write"));
    }

    if (veto_auth) {
      (void) call_sftp_hook(tmp, "sftp_set_auth_success_handler",
        (void *) proof_auth_success);

    } else if (proof_chroot != NULL) {
      (void) call_sftp_hook(tmp, "sftp_set_auth_success_handler",
        (void *) proof_auth_accept);
    }
  }
  destroy_pool(tmp);
}

static void read_poll_ev(const void *event_data, void *user_data) {
  unsigned int state = sftp_state != NULL ? *sftp_state : 0;

  read_polls++;
  if ((state & SFTP_SESS_STATE_REKEYING) || !(state & SFTP_SESS_STATE_HAVE_KEX)) {
    read_polls_in_kex++;
  }
}

static void auth_ev(const void *event_data, void *user_data) {
  plog("event %s, sftp_sess_state 0x%02x", (const char *) user_data,
    sftp_state ? *sftp_state : 0);
}

static void exit_ev(const void *event_data, void *user_data) {
  plog("session end: %lu packets through the handler, %lu read-poll events, "
    "%lu KEX completions; %lu read-poll events while mod_sftp was in a KEX",
    handled, read_polls, kex_completed, read_polls_in_kex);
}


/* ---- Option B: backend-decided auth through ProFTPD's auth API and a
 * mod_sftp kbdint driver (simulated backend: users named px*, password
 * "secret"). */
static int proof_auth = FALSE;
static const char *proof_home = "/";

MODRET proof_getpwnam(cmd_rec *cmd) {
  static struct passwd pw;
  const char *name = cmd->argv[0];

  if (!proof_auth || strncmp(name, "px", 2) != 0) {
    return PR_DECLINED(cmd);
  }
  memset(&pw, 0, sizeof(pw));
  pw.pw_name = pstrdup(session.pool, name);
  pw.pw_passwd = "*";
  pw.pw_uid = 65534;
  pw.pw_gid = 65534;
  pw.pw_gecos = "";
  pw.pw_dir = (char *) proof_home;
  pw.pw_shell = "/bin/false";
  plog("authtable getpwnam '%s': synthetic entry", name);
  return mod_create_data(cmd, &pw);
}

MODRET proof_auth_cb(cmd_rec *cmd) {
  const char *user = cmd->argv[0], *pass = cmd->argv[1];

  if (!proof_auth || strncmp(user, "px", 2) != 0) {
    return PR_DECLINED(cmd);
  }
  plog("authtable auth '%s': the 'backend' says %s", user,
    strcmp(pass, "secret") == 0 ? "yes" : "no");
  if (strcmp(pass, "secret") == 0) {
    session.auth_mech = "mod_sshproof.c";
    return PR_HANDLED(cmd);
  }
  return PR_ERROR_INT(cmd, PR_AUTH_BADPWD);
}

static int kbd_open(sftp_kbdint_driver_t *d, const char *user) {
  plog("kbdint driver open for '%s'", user);
  return 0;
}

static int kbd_authenticate(sftp_kbdint_driver_t *d, const char *user) {
  int (*send_challenge)(const char *, const char *, uint32_t,
    sftp_kbdint_challenge_t *);
  int (*recv_response)(pool *, uint32_t, uint32_t *, const char ***);
  sftp_kbdint_challenge_t ch;
  uint32_t count = 0;
  const char **answers = NULL;

  send_challenge = dlsym(RTLD_DEFAULT, "sftp_kbdint_send_challenge");
  recv_response = dlsym(RTLD_DEFAULT, "sftp_kbdint_recv_response");
  ch.challenge = "Backend password: ";
  ch.display_response = FALSE;
  if (send_challenge("backend", "relayed prompt", 1, &ch) < 0 ||
      recv_response(d->driver_pool, 1, &count, &answers) < 0) {
    plog("kbdint: challenge/response failed: %s", strerror(errno));
    return -1;
  }
  plog("kbdint: %u answer(s), backend says %s", count,
    count == 1 && strcmp(answers[0], "secret") == 0 ? "yes" : "no");
  if (count == 1 && strcmp(answers[0], "secret") == 0) {
    return 0;
  }
  errno = EPERM;
  return -1;
}

static int kbd_close(sftp_kbdint_driver_t *d) {
  return 0;
}

static sftp_kbdint_driver_t proof_kbdint = {
  "sshproof", NULL, NULL, kbd_open, kbd_authenticate, kbd_close
};

static void register_kbdint(void) {
  int (*reg)(const char *, sftp_kbdint_driver_t *);

  reg = dlsym(RTLD_DEFAULT, "sftp_kbdint_register_driver");
  proof_kbdint.driver_pool = make_sub_pool(session.pool);
  plog("kbdint driver registration through dlsym: %d",
    reg != NULL ? reg("sshproof", &proof_kbdint) : -2);
}

static authtable sshproof_authtab[] = {
  { 0, "getpwnam", proof_getpwnam },
  { 0, "auth", proof_auth_cb },
  { 0, NULL, NULL }
};

MODRET set_proofengine(cmd_rec *cmd) {
  CHECK_ARGS(cmd, 1);
  add_config_param(cmd->argv[0], 1, NULL)->argv[0] =
    pstrdup(cmd->server->pool, cmd->argv[1]);
  return PR_HANDLED(cmd);
}

static int sshproof_sess_init(void) {
  config_rec *c;
  module *m;
  const char *order = "";

  c = find_config(main_server->conf, CONF_PARAM, "SSHProofEngine", FALSE);
  if (c == NULL || strcasecmp(c->argv[0], "on") != 0) {
    return 0;
  }

  c = find_config(main_server->conf, CONF_PARAM, "SSHProofLog", FALSE);
  if (c != NULL) {
    PRIVS_ROOT
    (void) pr_log_openfile(c->argv[0], &proof_logfd, 0640);
    PRIVS_RELINQUISH
  }

  c = find_config(main_server->conf, CONF_PARAM, "SSHProofVetoAuth", FALSE);
  veto_auth = c != NULL && strcasecmp(c->argv[0], "on") == 0;

  c = find_config(main_server->conf, CONF_PARAM, "SSHProofFakeExec", FALSE);
  fake_exec = c != NULL && strcasecmp(c->argv[0], "on") == 0;

  c = find_config(main_server->conf, CONF_PARAM, "SSHProofChroot", FALSE);
  if (c != NULL) {
    proof_chroot = c->argv[0];
  }

  c = find_config(main_server->conf, CONF_PARAM, "SSHProofAuth", FALSE);
  proof_auth = c != NULL && strcasecmp(c->argv[0], "on") == 0;

  c = find_config(main_server->conf, CONF_PARAM, "SSHProofHome", FALSE);
  if (c != NULL) {
    proof_home = c->argv[0];
  }
  if (proof_auth) {
    register_kbdint();
  }

  /* Module list as sess_init walks it (loaded_modules, newest first). */
  for (m = loaded_modules; m != NULL; m = m->next) {
    if (strcmp(m->name, "sftp") == 0 || strcmp(m->name, "sshproof") == 0) {
      order = pstrcat(session.pool, order, *order ? " then " : "", m->name,
        NULL);
    }
  }
  plog("sess_init: module walk order: %s; dlsym sftp_sess_state %p",
    order, dlsym(RTLD_DEFAULT, "sftp_sess_state"));
  sftp_state = dlsym(RTLD_DEFAULT, "sftp_sess_state");

  pr_event_register(&sshproof_module, "mod_sftp.ssh2.kex.completed",
    kex_completed_ev, NULL);
  pr_event_register(&sshproof_module, "mod_sftp.ssh2.read-poll",
    read_poll_ev, NULL);
  pr_event_register(&sshproof_module, "mod_sftp.ssh2.auth-password", auth_ev,
    "mod_sftp.ssh2.auth-password");
  pr_event_register(&sshproof_module, "mod_sftp.ssh2.auth-publickey", auth_ev,
    "mod_sftp.ssh2.auth-publickey");
  pr_event_register(&sshproof_module, "mod_sftp.ssh2.auth-publickey.failed",
    auth_ev, "mod_sftp.ssh2.auth-publickey.failed");
  pr_event_register(&sshproof_module, "core.exit", exit_ev, NULL);
  return 0;
}

static conftable sshproof_conftab[] = {
  { "SSHProofEngine", set_proofengine, NULL },
  { "SSHProofLog", set_proofengine, NULL },
  { "SSHProofVetoAuth", set_proofengine, NULL },
  { "SSHProofAuth", set_proofengine, NULL },
  { "SSHProofHome", set_proofengine, NULL },
  { "SSHProofChroot", set_proofengine, NULL },
  { "SSHProofFakeExec", set_proofengine, NULL },
  { NULL }
};

module sshproof_module = {
  NULL, NULL,
  0x20,
  "sshproof",
  sshproof_conftab,
  NULL,
  sshproof_authtab,
  NULL,
  sshproof_sess_init,
  MOD_SSHPROOF_VERSION
};
