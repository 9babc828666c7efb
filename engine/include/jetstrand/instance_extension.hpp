#pragma once
// State that a layer built on the engine keeps with an instance (the backup keeps its
// session here), created on first use and living on the instance's strand. Extensions take
// part in termination: each may refuse it (before anything changes) or do work first.

#include "jetstrand/instance.hpp"

#include <functional>

namespace jetstrand {

class instance_extension {
 public:
  virtual ~instance_extension() = default;
  // Checked for every extension before termination starts; an error refuses it.
  virtual boost::system::error_code can_terminate(terminate_mode) { return {}; }
  // Checked before a database is created, attached or detached; an error refuses it.
  virtual boost::system::error_code can_change_databases() { return {}; }
  // Runs during termination, before storage closes; must call done exactly once.
  virtual void on_terminate(terminate_mode, std::function<void()> done) { done(); }
};

}  // namespace jetstrand
