#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "model/expected.hpp"
#include "webhook/url.hpp"

namespace parley::webhook {

using Headers = std::vector<std::pair<std::string, std::string>>;

// One POST on a connection of its own, all of it asynchronous on the executor (resolving runs
// on Asio's resolver thread): no io thread ever waits for the receiver. `done` gets the
// answer's status, or why there is none (refused, timed out, a certificate that does not
// verify). `timeout` bounds the whole exchange. `tls` is used for https URLs; it verifies the
// receiver's certificate and host name.
void post(boost::asio::any_io_executor executor, boost::asio::ssl::context& tls, const Url& url,
          Headers headers, std::string body, std::chrono::milliseconds timeout,
          std::function<void(Expected<int>)> done);

// A client context that verifies certificates against the system's store (OpenSSL's default
// paths, which SSL_CERT_FILE and SSL_CERT_DIR override).
boost::asio::ssl::context make_client_tls();

}  // namespace parley::webhook
