#include "storage/log_record.hpp"

#include "storage/byte_io.hpp"

namespace jetstrand::storage {

namespace {
constexpr std::uint8_t commit_kind = 1;
}

std::string encode_commit(const transaction& t) {
  std::string out;
  byte_writer w(out);
  w.number(commit_kind);
  w.number(static_cast<std::uint32_t>(t.ops().size()));
  for (const auto& op : t.ops()) {
    w.number(static_cast<std::uint8_t>(op.kind));
    w.number(static_cast<std::uint16_t>(op.database.size()));
    w.bytes(op.database);
    w.number(static_cast<std::uint16_t>(op.key.size()));
    w.bytes(op.key);
    w.number(static_cast<std::uint32_t>(op.value.size()));
    w.bytes(op.value);
  }
  return out;
}

std::optional<transaction> decode_commit(std::string_view payload) {
  byte_reader r(payload.data(), payload.size());
  std::uint8_t kind;
  std::uint32_t count;
  if (!r.number(kind) || kind != commit_kind || !r.number(count)) return std::nullopt;
  transaction t;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint8_t op;
    std::uint16_t dlen, klen;
    std::uint32_t vlen;
    std::string db, key, value;
    if (!r.number(op) || !r.number(dlen) || !r.bytes(dlen, db) || !r.number(klen) ||
        !r.bytes(klen, key) || !r.number(vlen) || !r.bytes(vlen, value)) {
      return std::nullopt;
    }
    if (op == static_cast<std::uint8_t>(transaction::op_kind::put)) {
      t.put(db, key, value);
    } else if (op == static_cast<std::uint8_t>(transaction::op_kind::erase)) {
      t.erase(db, key);
    } else {
      return std::nullopt;
    }
  }
  if (!r.done()) return std::nullopt;
  return t;
}

}  // namespace jetstrand::storage
