// Redis Cluster routing: CRC16, hash tags, slots, redirections and the slot map.
#include <gtest/gtest.h>

#include "redis/cluster/slots.hpp"

namespace parley::redis::cluster {
namespace {

TEST(RedisClusterSlots, Crc16IsTheXmodemVariant) {
    EXPECT_EQ(crc16("123456789"), 0x31C3);  // the check value of CRC-16/XMODEM
    EXPECT_EQ(crc16(""), 0);
}

TEST(RedisClusterSlots, KeysLandInTheSlotsRedisComputes) {
    // Values from CLUSTER KEYSLOT on redis-server 7.0.
    EXPECT_EQ(key_slot("foo"), 12182);
    EXPECT_EQ(key_slot("bar"), 5061);
    EXPECT_EQ(key_slot("somekey"), 11058);
    EXPECT_EQ(key_slot("hello"), 866);
}

TEST(RedisClusterSlots, AHashTagIsTheFirstNonEmptyBraceGroup) {
    EXPECT_EQ(hash_tag("{user1000}.following"), "user1000");
    EXPECT_EQ(key_slot("{user1000}.following"), key_slot("{user1000}.followers"));
    EXPECT_EQ(key_slot("parley:seq:{general}"), key_slot("parley:events:{general}"));
    EXPECT_EQ(key_slot("parley:seq:{general}"), key_slot("general"));
    EXPECT_EQ(hash_tag("foo{}{bar}"), "foo{}{bar}");  // an empty first group: the whole key
    EXPECT_EQ(hash_tag("foo{{bar}}zap"), "{bar");
    EXPECT_EQ(hash_tag("foo{bar}{zap}"), "bar");
    EXPECT_EQ(hash_tag("no braces"), "no braces");
    EXPECT_EQ(hash_tag("open{only"), "open{only");
    EXPECT_EQ(hash_tag("{a}b}"), "a");
}

TEST(RedisClusterSlots, MovedAndAskAreParsedAndAnythingElseIsNotARedirection) {
    auto moved = parse_redirect("MOVED 3999 127.0.0.1:6381");
    ASSERT_TRUE(moved);
    EXPECT_EQ(moved->kind, Redirect::Kind::moved);
    EXPECT_EQ(moved->slot, 3999);
    EXPECT_EQ(moved->endpoint.host, "127.0.0.1");
    EXPECT_EQ(moved->endpoint.port, 6381);
    auto ask = parse_redirect("ASK 0 redis-2.internal:7000");
    ASSERT_TRUE(ask);
    EXPECT_EQ(ask->kind, Redirect::Kind::ask);
    EXPECT_EQ(ask->slot, 0);
    EXPECT_EQ(ask->endpoint.host, "redis-2.internal");
    auto v6 = parse_redirect("MOVED 16383 ::1:7001");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->endpoint.host, "::1");
    EXPECT_EQ(v6->endpoint.port, 7001);
    for (const char* not_one :
         {"ERR unknown command", "MOVED", "MOVED 3999", "MOVED 16384 h:1", "MOVED -1 h:1",
          "MOVED x h:1", "MOVED 1 h", "MOVED 1 h:0", "MOVED 1 h:70000", "MOVED 1 :7000",
          "ASK 1 h:1x", "CLUSTERDOWN The cluster is down"})
        EXPECT_FALSE(parse_redirect(not_one)) << not_one;
}

Value integer(std::int64_t n) {
    Value v;
    v.type = Value::Type::integer;
    v.integer = n;
    return v;
}
Value text(std::string s) {
    Value v;
    v.type = Value::Type::string;
    v.text = std::move(s);
    return v;
}
Value list(std::vector<Value> elements) {
    Value v;
    v.type = Value::Type::array;
    v.elements = std::move(elements);
    return v;
}
Value range(int first, int last, int port, int replica_port) {
    return list({integer(first), integer(last), list({text("127.0.0.1"), integer(port), text("a")}),
                 list({text("127.0.0.1"), integer(replica_port), text("b")})});
}

TEST(RedisClusterSlots, TheSlotMapComesFromClusterSlotsAndFollowsMoved) {
    auto map = SlotMap::from_cluster_slots(
        list({range(0, 5460, 7000, 7003), range(5461, 10922, 7001, 7004),
              range(10923, 16383, 7002, 7005)}));
    ASSERT_TRUE(map) << map.error().message;
    EXPECT_EQ(map->masters().size(), 3u);
    EXPECT_EQ(map->master_of(0).port, 7000);
    EXPECT_EQ(map->master_of(5461).port, 7001);
    EXPECT_EQ(map->master_of(key_slot("foo")).port, 7002);
    map->move(*parse_redirect("MOVED 12182 127.0.0.1:7003"));  // a replica took over
    EXPECT_EQ(map->master_of(12182).port, 7003);
    EXPECT_EQ(map->master_of(12183).port, 7002);
    EXPECT_EQ(map->masters().size(), 4u);
}

TEST(RedisClusterSlots, ASlotMapWithAHoleOrMalformedRangesIsRefused) {
    auto hole = SlotMap::from_cluster_slots(list({range(0, 5460, 7000, 7003)}));
    ASSERT_FALSE(hole);
    EXPECT_NE(hole.error().message.find("slot 5461 has no master"), std::string::npos);
    EXPECT_FALSE(SlotMap::from_cluster_slots(text("nope")));
    EXPECT_FALSE(SlotMap::from_cluster_slots(list({list({integer(0)})})));
    EXPECT_FALSE(SlotMap::from_cluster_slots(list({range(0, 16384, 7000, 7003)})));
    EXPECT_FALSE(SlotMap::from_cluster_slots(list({range(10, 5, 7000, 7003)})));
    EXPECT_FALSE(SlotMap::from_cluster_slots(list({range(0, 16383, 0, 7003)})));
}

}  // namespace
}  // namespace parley::redis::cluster
