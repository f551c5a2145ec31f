#include "text_stamp.hpp"

#include <charconv>
#include <limits>

namespace bench {
namespace {

void append_number(std::string& out, std::uint64_t value) {
    char digits[24];
    const auto result = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, result.ptr);
}

// Reads "<tag>=<digits> " at `at` and advances past the space. Hand-rolled rather than
// std::from_chars: this runs for every delivery and was a tenth of the tool's CPU time.
template <typename Number>
bool read_field(std::string_view text, std::size_t& at, char tag, Number& value) {
    if (at + 2 > text.size() || text[at] != tag || text[at + 1] != '=') return false;
    std::size_t i = at + 2;
    std::uint64_t number = 0;
    const std::size_t first_digit = i;
    // 19 digits always fit in 64 bits; stamps never need more.
    while (i < text.size() && i - first_digit < 19 && text[i] >= '0' && text[i] <= '9')
        number = number * 10 + static_cast<std::uint64_t>(text[i++] - '0');
    if (i == first_digit || i >= text.size() || text[i] != ' ') return false;
    if (number > static_cast<std::uint64_t>(std::numeric_limits<Number>::max())) return false;
    value = static_cast<Number>(number);
    at = i + 1;
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
