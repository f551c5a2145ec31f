#pragma once

#include <cstddef>
#include <new>

namespace parley::net {

// For an operation that may stay pending for hours, such as an idle session's wait for
// readability. By default Asio takes an operation's memory from its per-thread cache of freed
// operations, which hands out whatever block a finished operation left, up to 1 KB (a gathered
// write's, for instance), and the waiting operation then holds all of it for as long as it waits.
// Bound to the handler (boost::asio::bind_allocator), this allocator asks malloc for exactly the
// operation's size instead.
template <class T>
class ExactAllocator {
  public:
    using value_type = T;

    ExactAllocator() noexcept = default;
    template <class U>
    ExactAllocator(const ExactAllocator<U>&) noexcept {}

    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
    void deallocate(T* pointer, std::size_t) noexcept { ::operator delete(pointer); }

    template <class U>
    bool operator==(const ExactAllocator<U>&) const noexcept {
        return true;
    }
};

}  // namespace parley::net
