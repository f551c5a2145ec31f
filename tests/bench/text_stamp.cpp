#include "text_stamp.hpp"

#include <charconv>

namespace bench {
namespace {

void append_number(std::string& out, std::uint64_t value) {
    char digits[24];
    const auto result = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, result.ptr);
}

// Reads "<tag>=<digits> " at `at`; advances `at` past the space.
template <typename Number>
bool read_field(std::string_view text, std::size_t& at, char tag, Number& value) {
    if (at + 2 > text.size() || text[at] != tag || text[at + 1] != '=') return false;
    const char* begin = text.data() + at + 2;
    const char* end = text.data() + text.size();
    const auto result = std::from_chars(begin, end, value);
    if (result.ec != std::errc{} || result.ptr == end || *result.ptr != ' ') return false;
    at = static_cast<std::size_t>(result.ptr - text.data()) + 1;
    return true;
}

}  // namespace

void append_stamped_text(std::string& out, const Stamp& stamp, std::size_t text_size) {
    const std::size_t start = out.size();
    out += "t=";
    append_number(out, static_cast<std::uint64_t>(stamp.sent_ns));
    out += " s=";
    append_number(out, stamp.sender);
    out += " n=";
    append_number(out, stamp.seq);
    out += ' ';
    const std::size_t written = out.size() - start;
    if (written < text_size) out.append(text_size - written, 'x');
}

std::optional<Stamp> parse_stamp(std::string_view text) {
    Stamp stamp;
    std::size_t at = 0;
    if (!read_field(text, at, 't', stamp.sent_ns) || !read_field(text, at, 's', stamp.sender) ||
        !read_field(text, at, 'n', stamp.seq))
        return std::nullopt;
    return stamp;
}

}  // namespace bench
