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

/* An RSA public key from big-endian modulus and exponent bytes. */
static inline EVP_PKEY *sshc_rsa_public_key(const unsigned char *n, size_t nlen,
                                            const unsigned char *e, size_t elen) {
  EVP_PKEY *pkey = NULL;
  BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL), *be = BN_bin2bn(e, (int)elen, NULL);
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
  if (bn && be && bld && ctx
      && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn)
      && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be)
      && (params = OSSL_PARAM_BLD_to_param(bld)) != NULL
      && EVP_PKEY_fromdata_init(ctx) > 0)
    (void)EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  EVP_PKEY_CTX_free(ctx);
  BN_free(bn);
  BN_free(be);
  return pkey;
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
