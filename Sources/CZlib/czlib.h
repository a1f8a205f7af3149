/* The system zlib (zlib1g-dev) for ProxySSH's packet compression. deflateInit
 * and inflateInit are macros Swift cannot call; these wrap them. */
#ifndef MOD_PROXY_SWIFT_CZLIB_H
#define MOD_PROXY_SWIFT_CZLIB_H

#include <zlib.h>

static inline int sshz_deflate_init(z_stream *s, int level) { return deflateInit(s, level); }
static inline int sshz_inflate_init(z_stream *s) { return inflateInit(s); }

#endif
