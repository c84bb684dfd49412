// A shard's sessions by client id. The id is stored once, in the Session: the
// table's node holds only the pointer (and its hash), where a map keyed by a
// std::string copy cost a second heap string per session for ids longer than
// the 15-byte small-string buffer, which most device ids are.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>
#include <unordered_set>

#include "gateway/core/session.h"

namespace edgemq::core {

class SessionTable {
 public:
  Session* find(std::string_view client_id) const {
    auto it = sessions_.find(client_id);
    return it == sessions_.end() ? nullptr : it->get();
  }
  // The id must not be in the table yet.
  Session& insert(std::unique_ptr<Session> s) { return **sessions_.insert(std::move(s)).first; }
  void erase(const Session& s) {
    auto it = sessions_.find(std::string_view(s.client_id()));
    if (it != sessions_.end()) sessions_.erase(it);
  }
  size_t size() const { return sessions_.size(); }
  template <typename F>
  void for_each(F&& f) const {
    for (const auto& s : sessions_) f(*s);
  }

 private:
  // Hashes and compares sessions by id, and looks them up by a bare id.
  struct ById {
    using is_transparent = void;
    static std::string_view id(std::string_view v) { return v; }
    static std::string_view id(const std::unique_ptr<Session>& s) { return s->client_id(); }
    template <typename T>
    size_t operator()(const T& v) const {
      return std::hash<std::string_view>{}(id(v));
    }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return id(a) == id(b);
    }
  };
  std::unordered_set<std::unique_ptr<Session>, ById, ById> sessions_;
};

}  // namespace edgemq::core
