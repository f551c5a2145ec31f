#pragma once
// The selftest's checks, shared by its source files.
#include <cstdio>
#include <vector>

#include "options.hpp"

inline int passed = 0;
inline int failed = 0;

inline void check(bool ok, const char* what, int line) {
    if (ok) {
        ++passed;
    } else {
        ++failed;
        std::printf("FAILED line %d: %s\n", line, what);
    }
}
#define CHECK(expression) check((expression), #expression, __LINE__)

inline bool usage_error(std::vector<const char*> args) {
    args.insert(args.begin(), "parley-bench");
    try {
        bench::parse_options(static_cast<int>(args.size()), args.data());
    } catch (const bench::UsageError&) {
        return true;
    }
    return false;
}

inline bench::Options parse(std::vector<const char*> args) {
    args.insert(args.begin(), "parley-bench");
    return bench::parse_options(static_cast<int>(args.size()), args.data());
}

// selftest_welcome.cpp
void test_welcome();
