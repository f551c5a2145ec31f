#include "redis/pubsub/shard_link.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <utility>

namespace parley::redis::pubsub {

namespace asio = boost::asio;

ShardLink::ShardLink(Strand strand, Endpoint endpoint, const Limits& limits, Owner& owner)
    : strand_(std::move(strand)),
      endpoint_(std::move(endpoint)),
      limits_(limits),
      owner_(&owner),
      resolver_(strand_),
      socket_(strand_),
      reader_(limits.max_reply_bytes, limits.max_reply_elements) {}

void ShardLink::start() {
    // Asio's resolver keeps a DNS lookup (a compose service name) off the io threads.
    resolver_.async_resolve(endpoint_.host, std::to_string(endpoint_.port),
                            [self = shared_from_this()](boost::system::error_code ec,
                                                        asio::ip::tcp::resolver::results_type r) {
                                self->on_resolved(ec, r);
                            });
}

void ShardLink::on_resolved(boost::system::error_code ec,
                            const asio::ip::tcp::resolver::results_type& results) {
    if (!owner_) return;
    if (ec || results.empty())
        return fail("cannot resolve " + endpoint_.host + ": " + ec.message());
    asio::async_connect(
        socket_, results,
        [self = shared_from_this()](boost::system::error_code ec, const asio::ip::tcp::endpoint&) {
            if (!self->owner_) return;
            if (ec) return self->fail(ec.message());
            boost::system::error_code ignored;
            self->socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
            // No SELECT: pub/sub channels belong to no database.
            self->up_ = true;
            self->owner_->link_up(*self);
            if (!self->owner_) return;
            self->read();
            self->write();
        });
}

void ShardLink::send(const std::vector<std::string>& args) {
    if (!owner_) return;
    auto command = format_command(args);
    if (unsent_.size() + writing_.size() + command.size() > limits_.max_unsent_bytes)
        return fail("more than " + std::to_string(limits_.max_unsent_bytes) +
                    " bytes of commands unsent");
    unsent_ += command;
    write();
}

void ShardLink::write() {
    if (!up_ || !owner_ || !writing_.empty() || unsent_.empty()) return;
    writing_.swap(unsent_);
    asio::async_write(socket_, asio::buffer(writing_),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                          if (!self->owner_) return;
                          if (ec) return self->fail("cannot write: " + ec.message());
                          self->writing_.clear();
                          self->write();
                      });
}

void ShardLink::read() {
    socket_.async_read_some(
        asio::buffer(buffer_),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
            if (!self->owner_) return;
            if (ec == asio::error::eof) return self->fail("closed by Redis");
            if (ec) return self->fail(ec.message());
            if (auto fed = self->reader_.feed({self->buffer_.data(), n}); !fed)
                return self->fail(fed.error().message);
            for (;;) {
                auto reply = self->reader_.next();
                if (!reply) return self->fail(reply.error().message);
                if (!*reply) break;
                self->owner_->link_reply(*self, std::move(**reply));
                if (!self->owner_) return;  // the owner closed it, or it failed meanwhile
            }
            self->read();
        });
}

void ShardLink::fail(const std::string& why) {
    if (!owner_) return;
    auto* owner = owner_;
    close();
    failed_to_ = owner;
    asio::post(strand_, [self = shared_from_this(), why] {
        // close() since then (the owner abandoning everything) means nobody is to be told.
        if (auto* owner = std::exchange(self->failed_to_, nullptr)) owner->link_down(*self, why);
    });
}

void ShardLink::close() {
    owner_ = nullptr;
    failed_to_ = nullptr;
    up_ = false;
    boost::system::error_code ignored;
    resolver_.cancel();
    socket_.close(ignored);
}

}  // namespace parley::redis::pubsub
