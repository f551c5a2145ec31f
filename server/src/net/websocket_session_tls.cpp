// The TLS instantiation of WebSocketSession, in a translation unit of its own so that the two
// instantiations compile in parallel.
#include <boost/asio/ssl.hpp>

#include "net/websocket_session_reads.hpp"

namespace parley::net {

template class WebSocketSession<TlsStream>;

}  // namespace parley::net
