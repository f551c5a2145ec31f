// What nodes say to each other on the bus, and where they find Redis.
#include <gtest/gtest.h>

#include "redis/bus_event.hpp"
#include "redis/url.hpp"

namespace parley::redis {
namespace {

TEST(BusEvent, AMessageSplicedAroundItsSeqDecodesToTheSameMessage) {
    model::ChatMessage m{"lobby", 0, "ann", "quotes \" and \\ and ünïcode", 1700000000123};
    auto [prefix, suffix] = bus::message_event_parts(m);
    auto event = bus::decode(prefix + "42" + suffix);
    ASSERT_TRUE(event);
    auto* message = std::get_if<bus::Message>(&*event);
    ASSERT_TRUE(message);
    EXPECT_EQ(message->message.seq, 42);
    EXPECT_EQ(message->message.channel, "lobby");
    EXPECT_EQ(message->message.from, "ann");
    EXPECT_EQ(message->message.text, m.text);
    EXPECT_EQ(message->message.ts, m.ts);
}

TEST(BusEvent, ChangesAndRepliesKeepTheirFields) {
    model::ChatMessage reply{"lobby", 0, "bob", "yes", 5};
    reply.reply_to = 3;
    model::ChatMessage reaction{"lobby", 0, "ann", "", 6};
    reaction.type = model::EventType::reaction;
    reaction.target = 3;
    reaction.emoji = "👍";
    reaction.on = false;
    model::ChatMessage edit{"lobby", 0, "ann", "fixed", 7};
    edit.type = model::EventType::edited;
    edit.target = 2;
    for (const auto& m : {reply, reaction, edit}) {
        auto [prefix, suffix] = bus::message_event_parts(m);
        auto event = bus::decode(prefix + "9" + suffix);
        ASSERT_TRUE(event);
        const auto& back = std::get<bus::Message>(*event).message;
        EXPECT_EQ(back.type, m.type);
        EXPECT_EQ(back.target, m.target);
        EXPECT_EQ(back.reply_to, m.reply_to);
        EXPECT_EQ(back.emoji, m.emoji);
        EXPECT_EQ(back.on, m.on);
        EXPECT_EQ(back.text, m.text);
    }
    // A change without a target, or of a kind no node knows, is not trusted.
    EXPECT_FALSE(bus::decode(R"({"k":"m","s":9,"c":"l","f":"a","t":"","ts":1,"y":"e"})"));
    EXPECT_FALSE(bus::decode(R"({"k":"m","s":9,"c":"l","f":"a","t":"","ts":1,"y":"z","g":2})"));
    EXPECT_FALSE(bus::decode(R"({"k":"m","s":9,"c":"l","f":"a","t":"","ts":1,"y":"r","g":2})"));
}

TEST(BusEvent, ADmCarriesTheRecipientRedisNamesItsSeqAndTheSendingSession) {
    model::DirectMessage m{"bob", "ann", "psst", 5, 0, "s-7"};
    auto parts = bus::dm_event_parts(m);
    auto event = bus::decode(parts.prefix + "\"Ann\"" + parts.middle + "4" + parts.suffix);
    ASSERT_TRUE(event);
    auto* dm = std::get_if<bus::Dm>(&*event);
    ASSERT_TRUE(dm);
    EXPECT_EQ(dm->message.to, "Ann");
    EXPECT_EQ(dm->message.seq, 4);
    EXPECT_EQ(dm->message.text, "psst");
    EXPECT_EQ(dm->message.sender_session, "s-7");
    // A seq that is no seq is not trusted; none at all (an older node) reads as 0.
    EXPECT_FALSE(bus::decode(parts.prefix + "\"Ann\"" + parts.middle + "0" + parts.suffix));
    EXPECT_FALSE(bus::decode(parts.prefix + "\"Ann\"" + parts.middle + "\"4\"" + parts.suffix));
    auto old = bus::decode(R"({"to":"Ann","k":"d","f":"bob","t":"x","ts":5,"o":"s-7"})");
    ASSERT_TRUE(old);
    EXPECT_EQ(std::get<bus::Dm>(*old).message.seq, 0);
}

TEST(BusEvent, AReadMarkerRoundTripsAndSplicesItsPlace) {
    auto channel = bus::decode(bus::encode(bus::Read{"ann", "#a \"b\"", false, 12}));
    ASSERT_TRUE(channel);
    auto* read = std::get_if<bus::Read>(&*channel);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->user, "ann");
    EXPECT_EQ(read->place, "#a \"b\"");
    EXPECT_FALSE(read->conversation);
    EXPECT_EQ(read->seq, 12);
    // A script splices the other user's nick in as a JSON string.
    auto [prefix, suffix] = bus::read_event_parts(bus::Read{"ann", "", true, 3});
    auto conversation = bus::decode(prefix + "\"Bob\"" + suffix);
    ASSERT_TRUE(conversation);
    EXPECT_EQ(std::get<bus::Read>(*conversation).place, "Bob");
    EXPECT_TRUE(std::get<bus::Read>(*conversation).conversation);
    EXPECT_EQ(std::get<bus::Read>(*conversation).seq, 3);
    for (const char* payload :
         {R"({"k":"r","u":"ann","p":"#a","c":false,"s":0})",
          R"({"k":"r","u":"ann","p":"#a","c":0,"s":2})",
          R"({"k":"r","u":"","p":"#a","c":false,"s":2})",
          R"({"k":"r","u":"ann","p":"","c":true,"s":2})", R"({"k":"r","u":"ann","c":true,"s":2})"})
        EXPECT_FALSE(bus::decode(payload)) << payload;
}

TEST(BusEvent, PresenceTypingAndNodeGoneRoundTrip) {
    auto presence = bus::decode(bus::encode(bus::Presence{"n1", "lobby", "ann", true}));
    ASSERT_TRUE(presence);
    EXPECT_TRUE(std::get<bus::Presence>(*presence).present);
    auto typing = bus::decode(bus::encode(bus::Typing{"n1", "lobby", "ann"}));
    ASSERT_TRUE(typing);
    EXPECT_EQ(std::get<bus::Typing>(*typing).nick, "ann");
    auto gone = bus::decode(bus::encode(bus::NodeGone{"n2"}));
    ASSERT_TRUE(gone);
    EXPECT_EQ(std::get<bus::NodeGone>(*gone).node, "n2");
}

TEST(BusEvent, AnythingMalformedIsRefused) {
    for (const char* payload : {"", "not json", "[]", "{}", R"({"k":"x"})",
                                R"({"k":"m","s":"1","c":"a","f":"b","t":"","ts":1})",
                                R"({"k":"m","s":0,"c":"a","f":"b","t":"","ts":1})",
                                R"({"k":"p","n":"a","c":"b","u":"c"})", R"({"k":"g"})"})
        EXPECT_FALSE(bus::decode(payload)) << payload;
}

TEST(RedisUrl, ReadsHostPortAndDatabase) {
    auto endpoint = parse_url("redis://cache.internal:6380/2");
    ASSERT_TRUE(endpoint) << endpoint.error().message;
    EXPECT_EQ(endpoint->host, "cache.internal");
    EXPECT_EQ(endpoint->port, 6380);
    EXPECT_EQ(endpoint->db, 2);
    auto plain = parse_url("redis://redis");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->port, 6379);
    EXPECT_EQ(plain->db, 0);
}

TEST(RedisUrl, RefusesWhatItCannotUseWithAReason) {
    for (const char* url :
         {"http://redis:6379", "redis://", "redis://:6379", "redis://host:0", "redis://host:99999",
          "redis://host:6379/16", "redis://host:6379/x", "redis://user:secret@host:6379"}) {
        auto endpoint = parse_url(url);
        ASSERT_FALSE(endpoint) << url;
        EXPECT_FALSE(endpoint.error().message.empty()) << url;
    }
}

}  // namespace
}  // namespace parley::redis
