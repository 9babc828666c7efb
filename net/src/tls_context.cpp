#include "tls_context.hpp"

#include <openssl/ssl.h>

#include <stdexcept>
#include <string>

namespace jetstrand::net {

std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(const std::filesystem::path& certificate_chain,
                                                                   const std::filesystem::path& private_key) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  // TLS 1.2 is the oldest version without known protocol breaks; 1.3 is preferred.
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                       ssl::context::single_dh_use);
  boost::system::error_code ec;
  context->use_certificate_chain_file(certificate_chain.string(), ec);
  if (ec) {
    throw std::runtime_error("TLS certificate " + certificate_chain.string() +
                             ": cannot use it (" + ec.message() + "); expected a PEM certificate chain");
  }
  context->use_private_key_file(private_key.string(), ssl::context::pem, ec);
  if (ec) {
    throw std::runtime_error("TLS key " + private_key.string() + ": cannot use it (" + ec.message() +
                             "); expected the PEM private key of the certificate " + certificate_chain.string());
  }
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    throw std::runtime_error("TLS key " + private_key.string() + " does not belong to the certificate " +
                             certificate_chain.string());
  }
  return context;
}

}  // namespace jetstrand::net
