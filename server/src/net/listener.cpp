#include "net/listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "net/http_session.hpp"

namespace parley::net {

using boost::system::error_code;
namespace asio = boost::asio;

Listener::Listener(IoThreads& threads, const asio::ip::tcp::endpoint& endpoint,
                   ServerContext& context, asio::ssl::context* tls)
    : threads_(threads),
      acceptor_(threads.main()),
      backoff_(acceptor_.get_executor()),
      context_(context),
      tls_(tls) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
}

void Listener::run() {
    asio::post(acceptor_.get_executor(),
               boost::beast::bind_front_handler(&Listener::do_accept, shared_from_this()));
}

void Listener::stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
        error_code ignored;
        self->backoff_.cancel();
        self->acceptor_.close(ignored);
    });
}

void Listener::do_accept() {
    // The socket belongs to the next io thread from the start, and so does all its work.
    acceptor_.async_accept(threads_.next(), boost::beast::bind_front_handler(&Listener::on_accept,
                                                                             shared_from_this()));
}

void Listener::on_accept(error_code ec, asio::ip::tcp::socket socket) {
    if (!acceptor_.is_open()) return;
    if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
        ec == asio::error::no_memory) {
        // Out of file descriptors: wait for some to be released instead of spinning.
        if (!out_of_descriptors_logged_)
            spdlog::warn("accept paused: {} (connections open: {})", ec.message(),
                         context_.limits.open());
        out_of_descriptors_logged_ = true;
        backoff_.expires_after(std::chrono::milliseconds(100));
        backoff_.async_wait([self = shared_from_this()](error_code wait_ec) {
            if (!wait_ec) self->do_accept();
        });
        return;
    }
    if (!ec) {
        out_of_descriptors_logged_ = false;
        admit(std::move(socket));
    }
    do_accept();
}

void Listener::admit(asio::ip::tcp::socket socket) {
    error_code ec;
    auto peer = socket.remote_endpoint(ec);
    if (ec) return;  // gone already
    // Counted before a byte is read: one address cannot hold more than its share of
    // descriptors, and the last few are kept for health checks.
    ConnectionLimits::Accept verdict;
    auto slot = context_.limits.accept(peer.address().to_string(), verdict);
    if (!slot) {
        context_.metrics.count_refused_connection(verdict == ConnectionLimits::Accept::over_per_ip
                                                      ? metrics::ConnectionRefusal::per_ip
                                                      : metrics::ConnectionRefusal::open_limit);
        return;  // the socket closes here, at once
    }
    bool health_only = verdict == ConnectionLimits::Accept::health_only;
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    if (tls_)
        std::make_shared<TlsHttpSession>(TlsStream(std::move(socket), *tls_), context_,
                                         std::move(slot), health_only)
            ->run();
    else
        std::make_shared<PlainHttpSession>(boost::beast::tcp_stream(std::move(socket)), context_,
                                           std::move(slot), health_only)
            ->run();
}

}  // namespace parley::net
