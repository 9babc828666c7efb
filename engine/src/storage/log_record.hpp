#pragma once
// The payload of a commit record: the transaction's operations, by database name (so the
// same log replays into a restored instance).
//
//   u8 kind=1 | u32 op count | per op: u8 op | u16 name len | name | u16 key len | key |
//                                      u32 value len | value

#include "jetstrand/transaction.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace jetstrand::storage {

std::string encode_commit(const transaction& t);
// nullopt for a payload that does not parse (the log's CRC passed, so a format error).
std::optional<transaction> decode_commit(std::string_view payload);

}  // namespace jetstrand::storage
