#pragma once

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "redis/client.hpp"
#include "redis/pubsub/reply_reader.hpp"
#include "redis/url.hpp"

namespace parley::redis::pubsub {

// How much one connection may hold. A connection that would exceed a bound closes (and its
// owner reconnects): what it holds is lost either way, and Redis cannot be made to wait.
struct Limits {
    std::size_t max_reply_bytes = 4 << 20;     // one reply (a message, CLUSTER SLOTS)
    std::size_t max_reply_elements = 1 << 16;  // one array (CLUSTER SLOTS: a range each)
    std::size_t max_unsent_bytes = 16 << 20;   // commands not yet written to the socket
};

// One TCP connection to one Redis node, on its owner's strand: it connects once, writes the
// commands it is given in order and hands every reply up, and when anything goes wrong it
// closes for good and says why. Reconnecting is the owner's business, because on a Redis Cluster
// the owner may need a different node afterwards.
class ShardLink : public std::enable_shared_from_this<ShardLink> {
  public:
    class Owner {
      public:
        virtual void link_up(ShardLink& link) = 0;
        virtual void link_reply(ShardLink& link, Value reply) = 0;
        // Posted to the strand, never called from inside send() or a reply.
        virtual void link_down(ShardLink& link, const std::string& why) = 0;

      protected:
        ~Owner() = default;
    };

    using Strand = boost::asio::strand<boost::asio::any_io_executor>;
    ShardLink(Strand strand, Endpoint endpoint, const Limits& limits, Owner& owner);

    void start();
    // Queues a command; written once connected. Past max_unsent_bytes the link fails instead.
    void send(const std::vector<std::string>& args);
    // Closes, and tells the owner (later, on the strand) with `why`.
    void fail(const std::string& why);
    // Closes without telling the owner anything more, not even a failure already posted.
    void close();

    bool up() const { return up_; }
    const Endpoint& endpoint() const { return endpoint_; }

  private:
    void on_resolved(boost::system::error_code ec,
                     const boost::asio::ip::tcp::resolver::results_type& results);
    void read();
    void write();

    Strand strand_;
    Endpoint endpoint_;
    Limits limits_;
    Owner* owner_;                // nullptr once closed or failed
    Owner* failed_to_ = nullptr;  // to be told, unless close() comes first
    boost::asio::ip::tcp::resolver resolver_;
    boost::asio::ip::tcp::socket socket_;
    ReplyReader reader_;
    std::array<char, 16384> buffer_;
    std::string unsent_, writing_;
    bool up_ = false;
};

}  // namespace parley::redis::pubsub
