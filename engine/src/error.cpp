#include "jetstrand/error.hpp"

#include <array>
#include <ostream>
#include <string>

namespace jetstrand {
namespace {

struct jet_error_info {
  int value;
  std::string_view name;
  std::string_view message;
};

constexpr std::array<jet_error_info, 30> jet_errors{{
    {0, "JET_errSuccess", "success"},
    {-505, "JET_errBackupInProgress", "a backup is in progress"},
    {-520, "JET_errNoBackup", "no backup is in progress"},
    {-521, "JET_errInvalidBackupSequence", "backup call out of sequence"},
    {-523, "JET_errBackupNotAllowedYet", "instance is starting or terminating"},
    {-553, "JET_errEndingRestoreLogTooLow", "a log needed at the end of the copy is missing"},
    {-554, "JET_errStartingRestoreLogTooHigh", "the logs start after the copy's first needed generation"},
    {-560, "JET_errMissingFullBackup", "an attached database has no full backup"},
    {-615, "JET_errRestoreOfNonBackupDatabase", "not a backup copy"},
    {-616, "JET_errLogFileNotCopied", "a log of the copy range was not read to its end"},
    {-800, "JET_errBackupAbortByCaller", "backup aborted by the caller"},
    {-801, "JET_errBackupAbortByServer", "backup aborted by the server"},
    {-900, "JET_errInvalidGrbit", "unknown flags"},
    {-1003, "JET_errInvalidParameter", "invalid parameter"},
    {-1018, "JET_errReadVerifyFailure", "page checksum verification failed"},
    {-1020, "JET_errOutOfFileHandles", "too many backup files open"},
    {-1022, "JET_errDiskIO", "disk I/O error"},
    {-1029, "JET_errNotInitialized", "instance not initialized"},
    {-1030, "JET_errAlreadyInitialized", "instance already initialized"},
    {-1032, "JET_errFileAccessDenied", "the instance directory is in use by another process"},
    {-1080, "JET_errRunningInOneInstanceMode", "the engine runs in one-instance mode"},
    {-1081, "JET_errRunningInMultiInstanceMode", "the engine runs in multi-instance mode"},
    {-1086, "JET_errInstanceNameInUse", "an instance of that name exists"},
    {-1201, "JET_errDatabaseDuplicate", "database already exists"},
    {-1203, "JET_errDatabaseNotFound", "database not found"},
    {-1206, "JET_errDatabaseCorrupted", "database corrupted"},
    {-1601, "JET_errRecordNotFound", "key not found"},
    {-1214, "JET_errTooManyInstances", "too many instances"},
    {-1811, "JET_errFileNotFound", "file not found"},
    {-107, "JET_errInternalError", "internal error"},
}};

const jet_error_info* find_error(int value) noexcept {
  for (const auto& e : jet_errors) {
    if (e.value == value) return &e;
  }
  return nullptr;
}

class jet_error_category final : public boost::system::error_category {
 public:
  // A fixed id makes the category compare equal across shared-library copies.
  constexpr jet_error_category() noexcept : error_category(0x6a657473'7472616eULL) {}

  const char* name() const noexcept override { return "jet"; }

  std::string message(int value) const override {
    if (const auto* e = find_error(value)) {
      return std::string(e->message) + " (" + std::string(e->name) + ")";
    }
    return "unknown JET error " + std::to_string(value);
  }
};

constinit const jet_error_category category_instance;

}  // namespace

const boost::system::error_category& jet_category() noexcept { return category_instance; }

std::string_view jet_error_name(int value) noexcept {
  const auto* e = find_error(value);
  return e ? e->name : std::string_view{};
}

std::ostream& operator<<(std::ostream& os, jet_errc e) {
  const int value = static_cast<int>(e);
  auto name = jet_error_name(value);
  return os << (name.empty() ? std::string_view("JET_err?") : name) << " (" << value << ")";
}

}  // namespace jetstrand
