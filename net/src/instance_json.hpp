#pragma once
// The JSON shapes of SPEC §4 for instances and backup status.

#include "jetstrand/backup/backup_status.hpp"
#include "jetstrand/instance.hpp"

#include <boost/json/object.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace jetstrand::net {

boost::json::object backup_status_json(const backup::backup_status& s);

// {"name","state","databases":[…],"backup":{…}|null,"last_backup":{"incremental",
// "completed_at","gen_high"}|null}, with the backup status and the last completed backup read
// on the instance's strand. `done` runs there.
void describe_instance(std::shared_ptr<instance> inst, std::function<void(boost::json::object)> done);

// Every instance described, in the given order; `done` runs on the strand of whichever
// instance answered last.
void describe_instances(std::vector<std::shared_ptr<instance>> list,
                        std::function<void(boost::json::array)> done);

}  // namespace jetstrand::net
