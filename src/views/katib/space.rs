//! Parameter spaces as the new-experiment form takes them, one per comma:
//! `name type min..max[/step]` or `name categorical a|b`, with every
//! mistake named (min > max, an empty list, a missing grid step, an
//! unknown type); and the `${trialParameters.x}` names in a command.

/// One parameter space as written in the form.
#[derive(Debug, Clone, PartialEq)]
pub struct Space {
    pub name: String,
    pub kind: String,
    pub min: String,
    pub max: String,
    pub step: Option<String>,
    pub list: Vec<String>,
}

/// Reads the parameters field; the error says which entry is wrong and why.
pub fn parse_params(text: &str, grid: bool) -> Result<Vec<Space>, String> {
    let mut out: Vec<Space> = Vec::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let parts: Vec<&str> = entry.split_whitespace().collect();
        let [name, kind, space] = parts[..] else {
            return Err(format!(
                "'{entry}': write name type min..max (or name categorical a|b)"
            ));
        };
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!("'{name}': letters, digits, '_' or '-' only"));
        }
        if out.iter().any(|s| s.name == name) {
            return Err(format!("'{name}' is given twice"));
        }
        match kind {
            "categorical" | "discrete" => {
                let list: Vec<String> = space
                    .split('|')
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect();
                if list.is_empty() {
                    return Err(format!("'{name}': the list of values is empty"));
                }
                if kind == "discrete" && list.iter().any(|x| x.parse::<f64>().is_err()) {
                    return Err(format!("'{name}': discrete values must be numbers"));
                }
                out.push(Space {
                    name: name.into(),
                    kind: kind.into(),
                    min: String::new(),
                    max: String::new(),
                    step: None,
                    list,
                });
            }
            "double" | "int" => {
                let (range, step) = match space.split_once('/') {
                    Some((r, s)) => (r, Some(s.trim().to_string())),
                    None => (space, None),
                };
                let Some((lo, hi)) = range.split_once("..") else {
                    return Err(format!("'{name}': a range is min..max, e.g. 0.01..0.05"));
                };
                let parse = |v: &str| -> Result<f64, String> {
                    let x: f64 = v
                        .trim()
                        .parse()
                        .map_err(|_| format!("'{name}': '{v}' is not a number"))?;
                    if kind == "int" && x.fract() != 0.0 {
                        return Err(format!(
                            "'{name}': an int range needs whole numbers, not {v}"
                        ));
                    }
                    Ok(x)
                };
                let (a, b) = (parse(lo)?, parse(hi)?);
                if a > b {
                    return Err(format!("'{name}': min {lo} is greater than max {hi}"));
                }
                if let Some(st) = &step {
                    match st.parse::<f64>() {
                        Ok(x) if x > 0.0 => {}
                        _ => return Err(format!("'{name}': the step must be a number above 0")),
                    }
                } else if grid && kind == "double" {
                    return Err(format!(
                        "'{name}': grid search needs a step for a double, e.g. {lo}..{hi}/0.01"
                    ));
                }
                out.push(Space {
                    name: name.into(),
                    kind: kind.into(),
                    min: lo.trim().into(),
                    max: hi.trim().into(),
                    step,
                    list: Vec::new(),
                });
            }
            other => {
                return Err(format!(
                    "'{name}': type '{other}' is not one of double, int, categorical, discrete"
                ));
            }
        }
    }
    if out.is_empty() {
        return Err("at least one parameter to search".into());
    }
    Ok(out)
}

/// `${trialParameters.x}` names in a command.
pub fn placeholders(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = command;
    while let Some(i) = rest.find("${trialParameters.") {
        let after = &rest[i + "${trialParameters.".len()..];
        match after.find('}') {
            Some(j) => {
                out.push(after[..j].to_string());
                rest = &after[j..];
            }
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::katib::form::DEFAULT_PARAMS;

    #[test]
    fn parameters_read_and_bad_spaces_are_named() {
        let p = parse_params(DEFAULT_PARAMS, false).expect("default");
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].min.as_str(), p[0].max.as_str()), ("0.01", "0.05"));
        let p = parse_params("opt categorical sgd|adam, lr double 0.1..1/0.1", true).expect("ok");
        assert_eq!(p[0].list, vec!["sgd", "adam"]);
        assert_eq!(p[1].step.as_deref(), Some("0.1"));
        let err = |t: &str, grid| parse_params(t, grid).expect_err(t);
        assert_eq!(
            err("lr double 0.5..0.1", false),
            "'lr': min 0.5 is greater than max 0.1"
        );
        assert_eq!(
            err("opt categorical |", false),
            "'opt': the list of values is empty"
        );
        assert!(err("lr double 0.01..0.05", true).contains("grid search needs a step"));
        assert!(err("bs int 1.5..8", false).contains("whole numbers"));
        assert!(err("lr float 0..1", false).contains("not one of double"));
        assert!(err("lr double x..1", false).contains("'x' is not a number"));
        assert!(err("lr double", false).contains("write name type"));
        assert_eq!(err("", false), "at least one parameter to search");
        assert!(err("a int 1..2, a int 1..3", false).contains("twice"));
        assert_eq!(
            placeholders("x --a=${trialParameters.lr} --b=${trialParameters.bs}"),
            vec!["lr", "bs"]
        );
    }
}
