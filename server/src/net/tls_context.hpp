#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "model/expected.hpp"

namespace parley::net {

// A server TLS context (TLS 1.2 and later) holding the certificate chain and private key read
// from these PEM files. A failure says in one line which file is at fault: unreadable, not
// PEM, or a key that does not belong to the certificate.
Expected<std::unique_ptr<boost::asio::ssl::context>> make_tls_context(const std::string& cert_path,
                                                                      const std::string& key_path);

}  // namespace parley::net
