//! Everything a key can do, named once. Keymaps bind keys to these names and the
//! help screen shows their descriptions, so the two cannot drift apart.

macro_rules! actions {
    ($( $variant:ident = $name:literal, $desc:literal; )*) => {
        /// A user intent, independent of the key that triggered it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $( $variant, )* }

        impl Action {
            pub const ALL: &'static [Action] = &[$( Action::$variant, )*];

            /// The name used in keymap files (`quit`, `page_down`).
            pub fn name(self) -> &'static str {
                match self { $( Action::$variant => $name, )* }
            }

            /// One line for the help screen and footer hints.
            pub fn desc(self) -> &'static str {
                match self { $( Action::$variant => $desc, )* }
            }

            pub fn from_name(name: &str) -> Option<Action> {
                match name { $( $name => Some(Action::$variant), )* _ => None }
            }
        }
    };
}

actions! {
    Quit = "quit", "quit kftui";
    Back = "back", "back / close";
    Help = "help", "show keys";
    Command = "command", "command mode";
    Filter = "filter", "filter rows";
    Up = "up", "move up";
    Down = "down", "move down";
    Left = "left", "scroll left / previous";
    Right = "right", "scroll right / next";
    PageUp = "page_up", "page up";
    PageDown = "page_down", "page down";
    Top = "top", "go to top";
    Bottom = "bottom", "go to bottom";
    Enter = "enter", "open / select";
    Yaml = "yaml", "YAML";
    Describe = "describe", "describe and events";
    Logs = "logs", "logs";
    Delete = "delete", "delete";
    SortNext = "sort_next", "sort by next column";
    SortReverse = "sort_reverse", "reverse sort order";
    AllNamespaces = "all_namespaces", "toggle all namespaces";
    Refresh = "refresh", "restart watches";
    Follow = "follow", "follow new lines";
    Wrap = "wrap", "wrap long lines";
    Timestamps = "timestamps", "show timestamps";
    Previous = "previous", "previous container";
    Containers = "containers", "pick container";
    Search = "search", "search";
    NextMatch = "next_match", "next match";
    PrevMatch = "prev_match", "previous match";
    New = "new", "create new";
    StopStart = "stop_start", "stop / start";
    Connect = "connect", "connect (port-forward)";
    Forwards = "forwards", "list port-forwards";
    NextField = "next_field", "next field";
    PrevField = "prev_field", "previous field";
    Submit = "submit", "submit";
    Confirm = "confirm", "confirm";
    Toggle = "toggle", "toggle option";
    Run = "run", "run";
    Bench = "bench", "benchmark";
    Template = "template", "fill input template";
    Open = "open", "open file";
    Cancel = "cancel", "cancel";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(*a));
            assert!(!a.desc().is_empty());
        }
        assert_eq!(Action::from_name("no_such_action"), None);
    }
}
