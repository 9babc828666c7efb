#pragma once
// The server's TLS settings: TLS 1.2 or later, the certificate chain and key from PEM files.

#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <memory>

namespace jetstrand::net {

// Throws std::runtime_error naming the file when it cannot be read, is not PEM, or the key
// does not belong to the certificate.
std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(const std::filesystem::path& certificate_chain,
                                                                   const std::filesystem::path& private_key);

}  // namespace jetstrand::net
