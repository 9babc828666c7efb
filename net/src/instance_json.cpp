#include "instance_json.hpp"

#include "jetstrand/backup/streaming_backup.hpp"

#include <chrono>
#include <ctime>
#include <mutex>

namespace jetstrand::net {

boost::json::object backup_status_json(const backup::backup_status& s) {
  boost::json::array files;
  for (const auto& f : s.files) {
    boost::json::object o{{"name", f.name},
                          {"size", f.size},
                          {"bytes_read", f.bytes_read},
                          {"state", backup::to_string(f.state)}};
    if (f.error) o["error"] = f.error;
    files.push_back(std::move(o));
  }
  return {{"state", backup::to_string(s.state)},
          {"incremental", s.incremental},
          {"stop_requested", s.stop_requested},
          {"max_rate", s.max_rate},
          {"bytes_read", s.bytes_read},
          {"bytes_total", s.bytes_total},
          {"files", std::move(files)}};
}

boost::json::object completed_backup_json(const backup::completed_backup& b) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(b.completed_at.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return {{"incremental", b.incremental}, {"completed_at", text}, {"gen_high", b.gen_high}};
}

void describe_instance(std::shared_ptr<instance> inst, std::function<void(boost::json::object)> done) {
  auto i = inst;
  backup::async_backup_status(
      std::move(i), [inst, done = std::move(done)](boost::system::error_code,
                                                   std::optional<backup::backup_status> s) mutable {
        boost::json::array databases;
        for (const auto& name : inst->database_names()) databases.emplace_back(name);
        boost::json::object o{{"name", inst->name()},
                              {"state", std::string(to_string(inst->state()))},
                              {"databases", std::move(databases)},
                              {"backup", nullptr},
                              {"last_backup", nullptr}};
        if (s) o["backup"] = backup_status_json(*s);
        auto i = inst;
        backup::async_last_backup(std::move(i), [o = std::move(o), done = std::move(done)](
                                                    boost::system::error_code,
                                                    std::optional<backup::completed_backup> last) mutable {
          if (last) o["last_backup"] = completed_backup_json(*last);
          done(std::move(o));
        });
      });
}

void describe_instances(std::vector<std::shared_ptr<instance>> list,
                        std::function<void(boost::json::array)> done) {
  if (list.empty()) return done({});
  struct gather {
    std::mutex mutex;
    std::vector<boost::json::object> items;
    std::size_t remaining;
    std::function<void(boost::json::array)> done;
  };
  auto g = std::make_shared<gather>();
  g->items.resize(list.size());
  g->remaining = list.size();
  g->done = std::move(done);
  for (std::size_t i = 0; i < list.size(); ++i) {
    describe_instance(list[i], [g, i](boost::json::object o) {
      bool last = false;
      {
        std::lock_guard lock(g->mutex);
        g->items[i] = std::move(o);
        last = --g->remaining == 0;
      }
      if (!last) return;
      boost::json::array out;
      for (auto& item : g->items) out.push_back(std::move(item));
      g->done(std::move(out));
    });
  }
}

}  // namespace jetstrand::net
