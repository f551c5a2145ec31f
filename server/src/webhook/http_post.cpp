#include "webhook/http_post.hpp"

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>

namespace parley::webhook {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// The receiver's answer is read only for its status: a body larger than this is cut off.
constexpr std::size_t max_answer_bytes = 64 * 1024;

template <class Stream>
class Exchange : public std::enable_shared_from_this<Exchange<Stream>> {
  public:
    template <class... StreamArgs>
    Exchange(asio::any_io_executor executor, const Url& url, Headers headers, std::string body,
             std::chrono::milliseconds timeout, std::function<void(Expected<int>)> done,
             StreamArgs&&... stream_args)
        : resolver_(executor),
          stream_(std::forward<StreamArgs>(stream_args)...),
          url_(url),
          timeout_(timeout),
          done_(std::move(done)) {
        request_.method(http::verb::post);
        request_.target(url.target);
        request_.version(11);
        auto host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
        bool default_port = url.port == (url.tls ? 443 : 80);
        request_.set(http::field::host,
                     default_port ? host : host + ":" + std::to_string(url.port));
        request_.set(http::field::user_agent, "Parley-Webhook/" PARLEY_VERSION);
        request_.set(http::field::content_type, "application/json");
        request_.set(http::field::connection, "close");
        for (auto& [name, value] : headers) request_.set(name, value);
        request_.body() = std::move(body);
        request_.prepare_payload();
        parser_.body_limit(max_answer_bytes);
    }

    void start() {
        deadline_ = std::chrono::steady_clock::now() + timeout_;
        resolver_.async_resolve(
            url_.host, std::to_string(url_.port),
            [self = this->shared_from_this()](beast::error_code ec,
                                              const tcp::resolver::results_type& found) {
                if (ec) return self->finish("cannot resolve: " + ec.message());
                self->connect(found);
            });
    }

  private:
    beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

    void connect(const tcp::resolver::results_type& found) {
        lowest().expires_at(deadline_);
        lowest().async_connect(
            found, [self = this->shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
                if (ec) return self->finish("cannot connect: " + ec.message());
                self->handshake();
            });
    }

    void handshake() {
        if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
            write();
        } else {
            // SNI, and the certificate must name the host (an address for an IP literal).
            if (!SSL_set_tlsext_host_name(stream_.native_handle(), url_.host.c_str()))
                return finish("TLS: cannot set the server name");
            stream_.set_verify_callback(asio::ssl::host_name_verification(url_.host));
            stream_.async_handshake(asio::ssl::stream_base::client,
                                    [self = this->shared_from_this()](beast::error_code ec) {
                                        if (ec) return self->finish("TLS: " + ec.message());
                                        self->write();
                                    });
        }
    }

    void write() {
        http::async_write(stream_, request_,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->finish("cannot send: " + ec.message());
                              self->read();
                          });
    }

    void read() {
        http::async_read(
            stream_, buffer_, parser_,
            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                // An answer larger than we care to read still has its status.
                if (ec && !(ec == http::error::body_limit && self->parser_.is_header_done()))
                    return self->finish("no answer: " + ec.message());
                self->finish(static_cast<int>(self->parser_.get().result_int()));
            });
    }

    void finish(Expected<int> outcome) {
        beast::error_code ignored;
        lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
        lowest().close();
        auto done = std::move(done_);
        if (done) done(std::move(outcome));
    }
    void finish(std::string why) { finish(Expected<int>(Failure{std::move(why)})); }

    tcp::resolver resolver_;
    Stream stream_;
    Url url_;
    std::chrono::milliseconds timeout_;
    std::chrono::steady_clock::time_point deadline_;
    std::function<void(Expected<int>)> done_;
    http::request<http::string_body> request_;
    beast::flat_buffer buffer_;
    http::response_parser<http::string_body> parser_;
};

}  // namespace

void post(asio::any_io_executor executor, asio::ssl::context& tls, const Url& url, Headers headers,
          std::string body, std::chrono::milliseconds timeout,
          std::function<void(Expected<int>)> done) {
    if (url.tls) {
        std::make_shared<Exchange<beast::ssl_stream<beast::tcp_stream>>>(
            executor, url, std::move(headers), std::move(body), timeout, std::move(done), executor,
            tls)
            ->start();
    } else {
        std::make_shared<Exchange<beast::tcp_stream>>(
            executor, url, std::move(headers), std::move(body), timeout, std::move(done), executor)
            ->start();
    }
}

asio::ssl::context make_client_tls() {
    asio::ssl::context context(asio::ssl::context::tls_client);
    context.set_default_verify_paths();
    context.set_verify_mode(asio::ssl::verify_peer);
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
    return context;
}

}  // namespace parley::webhook
