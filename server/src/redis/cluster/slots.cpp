#include "redis/cluster/slots.hpp"

#include <charconv>

namespace parley::redis::cluster {

namespace {

// The table-free form: eight shifts per byte. Fast enough for routing (a key is a few dozen
// bytes), and easy to check against the reference values in the tests.
std::uint16_t crc16_update(std::uint16_t crc, unsigned char byte) {
    crc ^= static_cast<std::uint16_t>(byte) << 8;
    for (int bit = 0; bit < 8; ++bit)
        crc = (crc & 0x8000) ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021)
                             : static_cast<std::uint16_t>(crc << 1);
    return crc;
}

template <class T>
std::optional<T> number(std::string_view text) {
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// "host:port", the host possibly an IPv6 address with colons of its own: the port follows the
// last colon.
std::optional<Endpoint> endpoint_of(std::string_view text) {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    auto port = number<std::uint16_t>(text.substr(colon + 1));
    if (!port || *port == 0) return std::nullopt;
    return Endpoint{std::string(text.substr(0, colon)), *port, 0};
}

bool same(const Endpoint& a, const Endpoint& b) {
    return a.host == b.host && a.port == b.port;
}

}  // namespace

std::uint16_t crc16(std::string_view data) {
    std::uint16_t crc = 0;
    for (char c : data) crc = crc16_update(crc, static_cast<unsigned char>(c));
    return crc;
}

std::string_view hash_tag(std::string_view key) {
    auto open = key.find('{');
    if (open == std::string_view::npos) return key;
    auto close = key.find('}', open + 1);
    if (close == std::string_view::npos || close == open + 1) return key;
    return key.substr(open + 1, close - open - 1);
}

int key_slot(std::string_view key) {
    return crc16(hash_tag(key)) % slot_count;
}

std::optional<Redirect> parse_redirect(std::string_view error) {
    Redirect redirect;
    if (error.starts_with("MOVED "))
        redirect.kind = Redirect::Kind::moved;
    else if (error.starts_with("ASK "))
        redirect.kind = Redirect::Kind::ask;
    else
        return std::nullopt;
    error.remove_prefix(error.find(' ') + 1);
    auto space = error.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    auto slot = number<int>(error.substr(0, space));
    auto endpoint = endpoint_of(error.substr(space + 1));
    if (!slot || *slot < 0 || *slot >= slot_count || !endpoint) return std::nullopt;
    redirect.slot = *slot;
    redirect.endpoint = std::move(*endpoint);
    return redirect;
}

std::size_t SlotMap::index_of(const Endpoint& endpoint) {
    for (std::size_t i = 0; i < masters_.size(); ++i)
        if (same(masters_[i], endpoint)) return i;
    masters_.push_back(endpoint);
    return masters_.size() - 1;
}

Expected<SlotMap> SlotMap::from_cluster_slots(const Value& reply) {
    if (reply.type != Value::Type::array) return Failure{"CLUSTER SLOTS did not answer a list"};
    SlotMap map;
    std::vector<bool> covered(slot_count, false);
    for (const auto& range : reply.elements) {
        if (range.type != Value::Type::array || range.elements.size() < 3 ||
            range.elements[0].type != Value::Type::integer ||
            range.elements[1].type != Value::Type::integer)
            return Failure{"CLUSTER SLOTS answered a malformed slot range"};
        auto first = range.elements[0].integer, last = range.elements[1].integer;
        const auto& node = range.elements[2];
        if (first < 0 || last >= slot_count || first > last || node.type != Value::Type::array ||
            node.elements.size() < 2 || node.elements[0].type != Value::Type::string ||
            node.elements[1].type != Value::Type::integer || node.elements[1].integer <= 0 ||
            node.elements[1].integer > 65535)
            return Failure{"CLUSTER SLOTS answered a malformed slot range"};
        auto owner = map.index_of(
            {node.elements[0].text, static_cast<std::uint16_t>(node.elements[1].integer), 0});
        for (auto slot = first; slot <= last; ++slot) {
            map.owner_[slot] = static_cast<std::uint16_t>(owner);
            covered[slot] = true;
        }
    }
    for (int slot = 0; slot < slot_count; ++slot)
        if (!covered[slot])
            return Failure{"slot " + std::to_string(slot) + " has no master (the cluster is " +
                           "not ready, or lost a master with no replica)"};
    return map;
}

void SlotMap::move(const Redirect& redirect) {
    owner_[redirect.slot] = static_cast<std::uint16_t>(index_of(redirect.endpoint));
}

}  // namespace parley::redis::cluster
