// edgemqctl's help texts and version line.
#pragma once

#include <string>
#include <string_view>

namespace edgemq::ctl {

std::string general_help();
// A command's usage and options; the general help for an unknown name.
std::string command_help(std::string_view command);
std::string version_line();

}  // namespace edgemq::ctl
