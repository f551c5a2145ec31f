#include "storage/sqlite_changes.hpp"

#include "storage/message_state.hpp"

namespace parley::storage {

SqliteChanges::SqliteChanges(sqlite3* db)
    : target_(db,
              "SELECT author, deleted, reactions FROM messages WHERE channel = ?1 AND seq = ?2"),
      insert_change_(db,
                     "INSERT INTO message_changes(channel, seq, kind, sender, target, body, "
                     "emoji, given, ts) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
      set_text_(db,
                "UPDATE messages SET body = ?3, edited_ts = ?4 WHERE channel = ?1 AND seq = ?2"),
      set_deleted_(db,
                   "UPDATE messages SET body = '', deleted = 1, reactions = '' "
                   "WHERE channel = ?1 AND seq = ?2"),
      // The edits' texts are the message's too: a deletion erases them, keeping their seqs.
      // Every other change of the target has an empty body already, so no `kind` is asked
      // for: with one, SQLite (no ANALYZE statistics) walked the channel's whole change log by
      // its primary key, 70 ms a delete at 400,000 changes, instead of this index lookup.
      erase_edits_(db,
                   "UPDATE message_changes INDEXED BY message_changes_by_target SET body = '' "
                   "WHERE channel = ?1 AND target = ?2"),
      set_reactions_(db, "UPDATE messages SET reactions = ?3 WHERE channel = ?1 AND seq = ?2"),
      prune_(db, "DELETE FROM message_changes WHERE channel = ?1 AND seq <= ?2") {}

bool SqliteChanges::is_live(const std::string& channel, std::int64_t seq) {
    target_.bind(1, channel).bind(2, seq);
    bool live = target_.step() && target_.integer(1) == 0;
    target_.reset();
    return live;
}

Refusal SqliteChanges::apply(model::ChatMessage& event, bool may_delete_any,
                             const std::function<std::int64_t()>& next_seq) {
    using model::EventType;
    target_.bind(1, event.channel).bind(2, event.target);
    if (!target_.step() || target_.integer(1) != 0) {
        target_.reset();
        return Refusal::no_such_message;
    }
    auto author = target_.text(0);  // empty for messages stored before authors were
    auto reactions = reactions_from_text(target_.text(2));
    target_.reset();
    bool by_author = !author.empty() && author == event.author;
    if (event.type == EventType::edited && !by_author) return Refusal::forbidden;
    if (event.type == EventType::deleted && !by_author && !may_delete_any)
        return Refusal::forbidden;
    if (event.type == EventType::reaction) {
        auto outcome = toggle_reaction(reactions, event.from, event.emoji, event.on);
        if (outcome != Refusal::none) return outcome;
    }

    event.seq = next_seq();
    if (event.type != EventType::edited) event.text.clear();
    insert_change_.bind(1, event.channel)
        .bind(2, event.seq)
        .bind(3, static_cast<std::int64_t>(event.type))
        .bind(4, event.from)
        .bind(5, event.target)
        .bind(6, event.text)
        .bind(7, event.emoji)
        .bind(8, std::int64_t{event.on})
        .bind(9, event.ts)
        .run();
    switch (event.type) {
        case EventType::edited:
            set_text_.bind(1, event.channel)
                .bind(2, event.target)
                .bind(3, event.text)
                .bind(4, event.ts)
                .run();
            break;
        case EventType::deleted:
            set_deleted_.bind(1, event.channel).bind(2, event.target).run();
            erase_edits_.bind(1, event.channel).bind(2, event.target).run();
            break;
        case EventType::reaction:
            set_reactions_.bind(1, event.channel)
                .bind(2, event.target)
                .bind(3, reactions_to_text(reactions))
                .run();
            break;
        case EventType::message:
            break;
    }
    return Refusal::none;
}

void SqliteChanges::prune_through(const std::string& channel, std::int64_t seq) {
    prune_.bind(1, channel).bind(2, seq).run();
}

}  // namespace parley::storage
