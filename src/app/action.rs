//! Everything a key can do, named once. Keymaps bind keys to these names and the
//! help screen shows their descriptions, so the two cannot drift apart.

macro_rules! actions {
    ($( $variant:ident = $name:literal, $short:literal, $desc:literal; )*) => {
        /// A user intent, independent of the key that triggered it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $( $variant, )* }

        impl Action {
            pub const ALL: &'static [Action] = &[$( Action::$variant, )*];

            /// The name used in keymap files (`quit`, `page_down`).
            pub fn name(self) -> &'static str {
                match self { $( Action::$variant => $name, )* }
            }

            /// One line for the help screen.
            pub fn desc(self) -> &'static str {
                match self { $( Action::$variant => $desc, )* }
            }

            /// A word or two for the footer hints.
            pub fn short(self) -> &'static str {
                match self { $( Action::$variant => $short, )* }
            }

            pub fn from_name(name: &str) -> Option<Action> {
                match name { $( $name => Some(Action::$variant), )* _ => None }
            }
        }
    };
}

actions! {
    Quit = "quit", "quit", "quit kftui";
    Back = "back", "back", "back / close";
    Help = "help", "help", "show keys";
    Command = "command", "command", "command mode";
    LastScreen = "last_screen", "last screen", "back to the previous screen (before the last : command)";
    Filter = "filter", "filter", "filter rows";
    Up = "up", "up", "move up";
    Down = "down", "down", "move down";
    Left = "left", "left", "scroll left / previous";
    Right = "right", "right", "scroll right / next";
    PageUp = "page_up", "page up", "page up";
    PageDown = "page_down", "page down", "page down";
    Top = "top", "top", "go to top";
    Bottom = "bottom", "bottom", "go to bottom";
    Enter = "enter", "open", "open / select";
    Yaml = "yaml", "yaml", "YAML";
    Describe = "describe", "describe", "describe and events";
    Logs = "logs", "logs", "logs";
    Delete = "delete", "delete", "delete";
    SortNext = "sort_next", "sort", "sort by next column";
    SortReverse = "sort_reverse", "reverse", "reverse sort order";
    AllNamespaces = "all_namespaces", "all ns", "toggle all namespaces";
    Refresh = "refresh", "refresh", "restart watches";
    Follow = "follow", "follow", "follow new lines";
    Wrap = "wrap", "wrap", "wrap long lines";
    Timestamps = "timestamps", "timestamps", "show timestamps";
    Previous = "previous", "previous", "previous container";
    Containers = "containers", "container", "pick container";
    Search = "search", "search", "search";
    NextMatch = "next_match", "next", "next match";
    PrevMatch = "prev_match", "prev", "previous match";
    New = "new", "new", "create new";
    StopStart = "stop_start", "stop/start", "stop / start";
    Suspend = "suspend", "suspend/resume", "suspend / resume a training job";
    AllLogs = "all_logs", "all logs", "every replica's log merged in time order";
    TrialFilter = "trial_filter", "all/running/failed", "show all / running / failed trials";
    NextParam = "next_param", "chart param", "chart the objective against the next parameter";
    TrainBest = "train_best", "train best", "launch a training job with the best (or this) trial's parameters";
    MetricsLogs = "metrics_logs", "collector logs", "logs of the metrics-collector sidecar";
    Connect = "connect", "connect", "connect (port-forward)";
    Forwards = "forwards", "forwards", "list port-forwards";
    NextField = "next_field", "next field", "next field";
    PrevField = "prev_field", "prev field", "previous field";
    Submit = "submit", "submit", "submit";
    Confirm = "confirm", "confirm", "confirm";
    Toggle = "toggle", "toggle", "toggle option";
    Run = "run", "run", "run";
    Bench = "bench", "bench", "benchmark";
    Template = "template", "template", "fill input template";
    Open = "open", "open", "open file";
    Cancel = "cancel", "cancel", "cancel";
    Clear = "clear", "clear", "clear the text (undo brings it back)";
    Provider = "provider", "provider", "switch execution provider (CPU / CUDA)";
    Compare = "compare", "compare", "run the request on the deployed and the local model, side by side";
    Bind = "bind", "bind", "pick an InferenceService to compare this model with";
    Terminate = "terminate", "terminate", "terminate the run: kill running steps (spec.shutdown: Terminate)";
    Stop = "stop", "stop", "stop the run: running steps finish, no new ones (spec.shutdown: Stop)";
    Retry = "retry", "retry", "retry the failed run (KFP API)";
    RawNodes = "raw_nodes", "raw nodes", "show the raw Argo nodes / the KFP tasks";
    NextFailed = "next_failed", "failed", "jump to the next failed node";
    NextRunning = "next_running", "running", "jump to the next running node";
    Undo = "undo", "undo", "undo the last edit";
    Redo = "redo", "redo", "redo what was undone";
    EditYaml = "edit_yaml", "edit YAML", "edit the object as YAML in the editor";
    CloneAsNew = "clone", "clone", "edit a copy as a new object in the YAML editor";
    Graph = "graph", "graph", "show the run's DAG as a layered graph / as a tree";
    Archive = "archive", "archive", "archive / unarchive the run (KFP API)";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(*a));
            assert!(!a.desc().is_empty() && !a.short().is_empty());
        }
        assert_eq!(Action::from_name("no_such_action"), None);
    }
}
