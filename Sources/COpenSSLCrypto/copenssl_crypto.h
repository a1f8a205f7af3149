/* OpenSSL's libcrypto alone (no ProFTPD headers), for ProxySSH, so its unit
 * tests link without the daemon. The inline helpers build OSSL_PARAM arrays,
 * which Swift cannot express comfortably; the logic stays in Swift. */
#ifndef MOD_PROXY_SWIFT_COPENSSL_CRYPTO_H
#define MOD_PROXY_SWIFT_COPENSSL_CRYPTO_H

#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/param_build.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/rand.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/pem.h>

/* A public key of `type` ("EC") on `group` ("P-256") from its encoded point. */
static inline EVP_PKEY *sshc_ec_public_key(const char *group, const unsigned char *pub, size_t publen) {
  OSSL_PARAM params[3];
  EVP_PKEY *pkey = NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0);
  params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pub, publen);
  params[2] = OSSL_PARAM_construct_end();
  if (ctx != NULL && EVP_PKEY_fromdata_init(ctx) > 0)
    (void)EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
  EVP_PKEY_CTX_free(ctx);
  return pkey;
}

/* A fresh EC key pair on `group`. */
static inline EVP_PKEY *sshc_ec_generate(const char *group) {
  EVP_PKEY *pkey = NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  if (ctx != NULL && EVP_PKEY_keygen_init(ctx) > 0
      && EVP_PKEY_CTX_set_group_name(ctx, group) > 0)
    (void)EVP_PKEY_keygen(ctx, &pkey);
  EVP_PKEY_CTX_free(ctx);
  return pkey;
}

/* A public key of `type` ("RSA", "DSA") from `count` big-endian numbers
 * named by OSSL_PKEY_PARAM_* names. */
static inline EVP_PKEY *sshc_public_key_from_numbers(const char *type, int count, const char *const *names,
                                                     const unsigned char *const *values, const size_t *lens) {
  EVP_PKEY *pkey = NULL;
  BIGNUM *bns[4] = {NULL, NULL, NULL, NULL};
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
  int ok = count > 0 && count <= 4 && bld != NULL && ctx != NULL;
  for (int i = 0; ok && i < count; i++)
    ok = (bns[i] = BN_bin2bn(values[i], (int)lens[i], NULL)) != NULL
         && OSSL_PARAM_BLD_push_BN(bld, names[i], bns[i]);
  if (ok && (params = OSSL_PARAM_BLD_to_param(bld)) != NULL && EVP_PKEY_fromdata_init(ctx) > 0)
    (void)EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  EVP_PKEY_CTX_free(ctx);
  for (int i = 0; i < 4; i++) BN_free(bns[i]);
  return pkey;
}

/* An RSA public key from big-endian modulus and exponent bytes. */
static inline EVP_PKEY *sshc_rsa_public_key(const unsigned char *n, size_t nlen,
                                            const unsigned char *e, size_t elen) {
  const char *names[2] = {OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E};
  const unsigned char *values[2] = {n, e};
  size_t lens[2] = {nlen, elen};
  return sshc_public_key_from_numbers("RSA", 2, names, values, lens);
}

/* A DSA public key from big-endian p, q, g and y. */
static inline EVP_PKEY *sshc_dsa_public_key(const unsigned char *p, size_t plen, const unsigned char *q, size_t qlen,
                                            const unsigned char *g, size_t glen, const unsigned char *y, size_t ylen) {
  const char *names[4] = {OSSL_PKEY_PARAM_FFC_P, OSSL_PKEY_PARAM_FFC_Q, OSSL_PKEY_PARAM_FFC_G, OSSL_PKEY_PARAM_PUB_KEY};
  const unsigned char *values[4] = {p, q, g, y};
  size_t lens[4] = {plen, qlen, glen, ylen};
  return sshc_public_key_from_numbers("DSA", 4, names, values, lens);
}

/* A MAC context ("HMAC" with `digest`, or "POLY1305" with digest NULL) keyed once. */
static inline EVP_MAC_CTX *sshc_mac_new(const char *mac, const char *digest,
                                        const unsigned char *key, size_t keylen) {
  OSSL_PARAM params[2];
  EVP_MAC *m = EVP_MAC_fetch(NULL, mac, NULL);
  EVP_MAC_CTX *ctx = m ? EVP_MAC_CTX_new(m) : NULL;
  EVP_MAC_free(m);
  if (ctx == NULL) return NULL;
  params[0] = digest ? OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0)
                     : OSSL_PARAM_construct_end();
  params[1] = OSSL_PARAM_construct_end();
  if (EVP_MAC_init(ctx, key, keylen, params) <= 0) { EVP_MAC_CTX_free(ctx); return NULL; }
  return ctx;
}

#endif
