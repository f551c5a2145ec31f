#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

// What storage and the cluster link ask of Redis, whether it is one server (redis::Connection)
// or a Redis Cluster (redis::cluster::Client, which routes each command to the master of its
// key's slot). Both answer every command exactly once, on their own executor, and fail at once
// (nullopt) rather than wait while Redis cannot be reached.
namespace parley::redis {

// A Redis reply copied out of hiredis, so that a callback may keep it or pass it on.
struct Value {
    enum class Type { nil, integer, string, status, error, array };
    Type type = Type::nil;
    std::int64_t integer = 0;
    std::string text;  // string, status or error
    std::vector<Value> elements;

    bool is_error() const { return type == Type::error; }
};

// A Lua script run with EVALSHA. Its SHA-1 is computed here, so a script is loaded once per
// connection (after every reconnect) and never sent again.
struct Script {
    explicit Script(std::string source);
    std::string source;
    std::string sha1;
};

// EVALSHA sha numkeys keys... args...: the command Client::eval sends.
std::vector<std::string> evalsha_command(const Script& script, std::vector<std::string> keys,
                                         std::vector<std::string> args);

class Client {
  public:
    using Reply = std::optional<Value>;  // nullopt: Redis could not be asked
    using Callback = std::function<void(Reply)>;

    virtual ~Client() = default;

    // Runs on the client's executor after every (re)connect (on a Redis Cluster: of any
    // master), before any command queued meanwhile: re-register what Redis may have lost.
    // Set before start().
    std::function<void()> on_connected;

    // Loaded on every (re)connect, before anything else is sent. Call before start(); the
    // script must outlive the client.
    virtual void preload(const Script& script) = 0;
    virtual void start() = 0;

    // Sends a command from any thread; commands to one server run in the order they were sent.
    // A Redis Cluster routes it by its key (the argument after the command's name; for XGROUP
    // and XINFO, the one after the subcommand); WAIT goes to every master and answers the
    // fewest replicas any of them reached. Returns false, without calling `done`, when too many
    // commands are already waiting.
    virtual bool command(std::vector<std::string> args, Callback done) = 0;
    // EVALSHA sha numkeys keys... args..., routed by keys[0]: every key a script touches must
    // share keys[0]'s slot on a Redis Cluster (redis/keys.hpp tags them so).
    virtual bool eval(const Script& script, std::vector<std::string> keys,
                      std::vector<std::string> args, Callback done) = 0;

    // WAIT: how many replicas have every write sent so far through this client to the servers
    // holding `keys` (on one Redis: to it). On a Redis Cluster a WAIT is asked of the master of
    // each key's slot, and the answer is the fewest any of them reached: a master that holds
    // none of them (a promoted replica with no replica of its own, say) does not hold up writes
    // elsewhere.
    virtual bool wait_replicas(const std::vector<std::string>& keys, int replicas,
                               std::chrono::milliseconds timeout, Callback done) = 0;

    virtual bool connected() const = 0;
    // The serial executor the callbacks run on; timers that drive commands run here too.
    virtual boost::asio::any_io_executor executor() = 0;
    // After the io threads have stopped: closes at once and calls no callback any more.
    virtual void abandon() = 0;
};

}  // namespace parley::redis
