#pragma once

#include <string>
#include <vector>

#include "redis/client.hpp"

struct redisReply;

namespace parley::redis {

// A hiredis reply copied into a Value, so that it outlives hiredis' buffer.
Value copy_reply(const redisReply* reply);

// A command's arguments as hiredis' *Argv functions take them: pointers and lengths into `args`,
// which must outlive the view.
struct ArgvView {
    explicit ArgvView(const std::vector<std::string>& args) {
        argv.reserve(args.size());
        lengths.reserve(args.size());
        for (const auto& arg : args) {
            argv.push_back(arg.data());
            lengths.push_back(arg.size());
        }
    }
    int count() const { return static_cast<int>(argv.size()); }
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
};

}  // namespace parley::redis
