#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace parley::net {

// What a connection runs on when the server has a certificate. Beast's ssl_stream (rather than
// asio's) coalesces a gathered write into full TLS records instead of one record per buffer,
// and the tcp_stream under it gives the handshake and HTTP requests their deadlines.
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

}  // namespace parley::net
