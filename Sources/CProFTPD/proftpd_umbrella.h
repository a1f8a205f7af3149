/* Every system header the module uses, in one place.
 * glob.h must come before conf.h: ProFTPD ships a glob.h with glibc's
 * include guard, and whichever is seen first wins. */
#ifndef MOD_PROXY_SWIFT_UMBRELLA_H
#define MOD_PROXY_SWIFT_UMBRELLA_H

#include <glob.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <errno.h>
#include <resolv.h>

#include "conf.h"
#include "privs.h"
#include "redis.h"

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <sqlite3.h>
#include <libssh2.h>

#endif
