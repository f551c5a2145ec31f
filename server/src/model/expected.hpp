#pragma once

#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace parley {

// Why something could not be done, in one line fit for a log or for stderr.
struct Failure {
    std::string message;
};

// A value, or the reason there is none. This is how every recoverable error in Parley is
// returned: a parser, a check, a request that may be refused. The error type says what the
// caller can do with it: a Failure is a line to show; protocol::Error carries the code a client
// gets back. Exceptions are left for what ends a whole operation: start-up, or a SQLite
// statement failing inside a transaction that is then rolled back as a unit.
//
// (std::expected is C++23; this is the part of it Parley uses.)
template <class T, class E = Failure>
class [[nodiscard]] Expected {
    static_assert(!std::is_same_v<T, E>, "a value and an error of one type cannot be told apart");

  public:
    Expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    Expected(E error) : state_(std::in_place_index<1>, std::move(error)) {}

    bool has_value() const { return state_.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const E& error() const& { return std::get<1>(state_); }
    E&& error() && { return std::get<1>(std::move(state_)); }

  private:
    std::variant<T, E> state_;
};

// Success with nothing to return, or the reason for failing.
template <class E>
class [[nodiscard]] Expected<void, E> {
  public:
    Expected() = default;
    Expected(E error) : error_(std::move(error)) {}

    bool has_value() const { return !error_; }
    explicit operator bool() const { return has_value(); }
    const E& error() const& { return *error_; }
    E&& error() && { return *std::move(error_); }

  private:
    std::optional<E> error_;
};

}  // namespace parley
