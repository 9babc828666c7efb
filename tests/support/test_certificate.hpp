#pragma once
// Self-signed TLS certificates for tests, made with OpenSSL at test time (no key material
// in the repository): a P-256 key and a certificate valid for a day, naming `alt_names` in
// its subjectAltName ("DNS:localhost,IP:127.0.0.1"). It is its own CA, so a client that
// trusts the certificate file trusts the server.

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace jetstrand::test {

struct test_certificate {
  std::filesystem::path certificate;  // PEM
  std::filesystem::path private_key;  // PEM
};

inline test_certificate make_test_certificate(const std::filesystem::path& dir, const std::string& stem,
                                              const std::string& alt_names) {
  auto fail = [](const char* what) { throw std::runtime_error(std::string("test certificate: ") + what); };
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  if (!key) fail("EVP_EC_gen");
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  X509_set_version(cert.get(), 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(stem.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, alt_names.c_str()},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                            std::pair{NID_key_usage, "critical,digitalSignature,keyCertSign"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext) fail("X509V3_EXT_conf_nid");
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) fail("X509_sign");

  test_certificate out{dir / (stem + ".crt"), dir / (stem + ".key")};
  std::unique_ptr<FILE, decltype(&std::fclose)> c(std::fopen(out.certificate.c_str(), "w"), &std::fclose);
  std::unique_ptr<FILE, decltype(&std::fclose)> k(std::fopen(out.private_key.c_str(), "w"), &std::fclose);
  if (!c || !k) fail("cannot write the files");
  if (PEM_write_X509(c.get(), cert.get()) != 1) fail("PEM_write_X509");
  if (PEM_write_PrivateKey(k.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) fail("PEM_write_PrivateKey");
  return out;
}

}  // namespace jetstrand::test
