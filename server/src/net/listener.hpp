#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "net/io_threads.hpp"
#include "net/server_context.hpp"

namespace parley::net {

// Accepts TCP connections, counts them against the connection limits (refusing at once those
// over), and hands each to an HttpSession on the next io thread in turn, where it stays: a TLS
// one for every connection when there is a TLS context, a plain one otherwise. The acceptor
// itself runs on the main io thread.
class Listener : public std::enable_shared_from_this<Listener> {
  public:
    // Throws boost::system::system_error when the address cannot be bound.
    Listener(IoThreads& threads, const boost::asio::ip::tcp::endpoint& endpoint,
             ServerContext& context, boost::asio::ssl::context* tls = nullptr);
    void run();
    void stop();  // thread-safe
    boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

  private:
    void do_accept();
    void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
    void admit(boost::asio::ip::tcp::socket socket);

    IoThreads& threads_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer backoff_;
    ServerContext& context_;
    boost::asio::ssl::context* tls_;
    bool out_of_descriptors_logged_ = false;
};

}  // namespace parley::net
