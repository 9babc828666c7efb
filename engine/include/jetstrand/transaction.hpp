#pragma once
// A transaction: puts and deletes across an instance's databases, committed atomically and
// durably by instance::async_commit (one log record), or rolled back by dropping it.
// Begin = construct. Reads do not see a transaction's own writes until it commits.

#include <string>
#include <string_view>
#include <vector>

namespace jetstrand {

class transaction {
 public:
  enum class op_kind : unsigned char { put = 1, erase = 2 };
  struct op {
    op_kind kind;
    std::string database;
    std::string key;
    std::string value;  // put only
  };

  void put(std::string_view database, std::string_view key, std::string_view value) {
    ops_.push_back({op_kind::put, std::string(database), std::string(key), std::string(value)});
  }
  void erase(std::string_view database, std::string_view key) {
    ops_.push_back({op_kind::erase, std::string(database), std::string(key), {}});
  }
  void rollback() noexcept { ops_.clear(); }
  // ESE's JET_bitCommitLazyFlush: the commit is acknowledged once written to the log, and
  // durable with the next flush (a durable commit, a checkpoint, or within one second).
  void set_lazy_flush(bool lazy = true) noexcept { lazy_ = lazy; }
  bool lazy_flush() const noexcept { return lazy_; }

  bool empty() const noexcept { return ops_.empty(); }
  const std::vector<op>& ops() const noexcept { return ops_; }

 private:
  std::vector<op> ops_;
  bool lazy_ = false;
};

}  // namespace jetstrand
