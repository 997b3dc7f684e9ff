//! CloudFormation's template language as typed values: logical IDs, intrinsic functions as values rather than
//! strings pasted into JSON, parameters, rules and outputs. It knows no resource type: those are in
//! [`crate::resources`], and [`crate::template`] puts the two together.

use serde::{Serialize, Serializer, ser::SerializeMap};

/// A logical ID: the stable name of a resource, parameter or condition in the template. Renaming one replaces the
/// resource on the next deploy, so they are constants chosen once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Id(pub &'static str);

impl Id {
    /// `{"Ref": id}`: a resource's primary identifier, or a parameter's value.
    pub fn reference(self) -> Expr {
        Expr::Ref(self)
    }

    /// `{"Fn::GetAtt": [id, attribute]}`.
    pub fn attr(self, attribute: &'static str) -> Expr {
        Expr::GetAtt(self, attribute)
    }
}

/// CloudFormation's pseudo parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pseudo {
    /// `AWS::AccountId`.
    AccountId,
    /// `AWS::Region`.
    Region,
    /// `AWS::Partition` (`aws`, `aws-cn`, ...).
    Partition,
    /// `AWS::StackName`.
    StackName,
    /// `AWS::StackId`: the stack's ARN, ending in a UUID CloudFormation drew when it created the stack.
    StackId,
    /// `AWS::URLSuffix` (`amazonaws.com`, ...).
    UrlSuffix,
}

impl Pseudo {
    fn name(self) -> &'static str {
        match self {
            Self::AccountId => "AWS::AccountId",
            Self::Region => "AWS::Region",
            Self::Partition => "AWS::Partition",
            Self::StackName => "AWS::StackName",
            Self::StackId => "AWS::StackId",
            Self::UrlSuffix => "AWS::URLSuffix",
        }
    }
}

/// A value in the template: a literal or an intrinsic function.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal string.
    Str(String),
    /// A literal number.
    Int(i64),
    /// A literal boolean.
    Bool(bool),
    /// A list of values.
    List(Vec<Expr>),
    /// `Ref` to a resource or a parameter.
    Ref(Id),
    /// `Ref` to a pseudo parameter.
    Pseudo(Pseudo),
    /// `Fn::GetAtt`.
    GetAtt(Id, &'static str),
    /// Parts concatenated: written as `Fn::Sub` when every part can be inlined, `Fn::Join` otherwise.
    Concat(Vec<Expr>),
    /// `Fn::Join` of a list value with a separator.
    Join(&'static str, Box<Expr>),
    /// `Fn::Select`: the item at an index of a list value.
    Select(u32, Box<Expr>),
    /// `Fn::Split` of a string value.
    Split(&'static str, Box<Expr>),
    /// `Fn::If` on a condition.
    If(Id, Box<Expr>, Box<Expr>),
    /// `Fn::Equals`.
    Equals(Box<Expr>, Box<Expr>),
    /// `Fn::Not`.
    Not(Box<Expr>),
    /// `Fn::Contains` (rules only): whether a list holds a value.
    Contains(Box<Expr>, Box<Expr>),
    /// `AWS::NoValue`: the property is left out.
    NoValue,
}

impl Expr {
    /// A pseudo parameter.
    pub fn pseudo(pseudo: Pseudo) -> Self {
        Self::Pseudo(pseudo)
    }

    /// Parts concatenated into one string.
    pub fn concat(parts: impl IntoIterator<Item = Expr>) -> Self {
        Self::Concat(parts.into_iter().collect())
    }

    /// `Fn::If`.
    pub fn if_(condition: Id, then: impl Into<Expr>, otherwise: impl Into<Expr>) -> Self {
        Self::If(condition, Box::new(then.into()), Box::new(otherwise.into()))
    }

    /// A condition that holds when `value` is not the empty string.
    pub fn not_empty(value: Expr) -> Self {
        Self::Not(Box::new(Self::Equals(Box::new(value), Box::new(Self::from("")))))
    }

    /// The host of an `https://host/...` URL value.
    pub fn url_host(url: Expr) -> Self {
        Self::Select(2, Box::new(Self::Split("/", Box::new(url))))
    }

    /// An ARN in this stack's partition, region and account: `arn:<partition>:<service>:<region>:<account>:<rest>`.
    pub fn arn(service: &str, rest: impl IntoIterator<Item = Expr>) -> Self {
        let mut parts = vec![
            Self::from("arn:"),
            Self::pseudo(Pseudo::Partition),
            Self::from(format!(":{service}:")),
            Self::pseudo(Pseudo::Region),
            Self::from(":"),
            Self::pseudo(Pseudo::AccountId),
            Self::from(":"),
        ];
        parts.extend(rest);
        Self::concat(parts)
    }

    /// The `Fn::Sub` template for `parts`, when each part is a literal or something `${}` can name.
    fn sub_template(parts: &[Expr]) -> Option<String> {
        let mut template = String::new();
        for part in parts {
            match part {
                Self::Str(text) => template.push_str(&text.replace("${", "${!")),
                Self::Ref(id) => template.push_str(&format!("${{{}}}", id.0)),
                Self::Pseudo(pseudo) => template.push_str(&format!("${{{}}}", pseudo.name())),
                Self::GetAtt(id, attribute) => template.push_str(&format!("${{{}.{attribute}}}", id.0)),
                _ => return None,
            }
        }
        Some(template)
    }
}

impl From<&str> for Expr {
    fn from(value: &str) -> Self {
        Self::Str(value.to_owned())
    }
}

impl From<String> for Expr {
    fn from(value: String) -> Self {
        Self::Str(value)
    }
}

impl From<i64> for Expr {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<bool> for Expr {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl From<Vec<Expr>> for Expr {
    fn from(value: Vec<Expr>) -> Self {
        Self::List(value)
    }
}

/// `{name: value}`, the shape of every intrinsic function.
fn function<S: Serializer, V: Serialize + ?Sized>(serializer: S, name: &str, value: &V) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(1))?;
    map.serialize_entry(name, value)?;
    map.end()
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Str(text) => serializer.serialize_str(text),
            Self::Int(number) => serializer.serialize_i64(*number),
            Self::Bool(flag) => serializer.serialize_bool(*flag),
            Self::List(items) => items.serialize(serializer),
            Self::Ref(id) => function(serializer, "Ref", id.0),
            Self::Pseudo(pseudo) => function(serializer, "Ref", pseudo.name()),
            Self::GetAtt(id, attribute) => function(serializer, "Fn::GetAtt", &[id.0, attribute]),
            Self::Concat(parts) => match Self::sub_template(parts) {
                Some(template) => function(serializer, "Fn::Sub", &template),
                None => function(serializer, "Fn::Join", &("", parts)),
            },
            Self::Join(separator, list) => function(serializer, "Fn::Join", &(separator, list)),
            Self::Select(index, list) => function(serializer, "Fn::Select", &(index, list)),
            Self::Split(separator, value) => function(serializer, "Fn::Split", &(separator, value)),
            Self::If(condition, then, otherwise) => function(serializer, "Fn::If", &(condition, then, otherwise)),
            Self::Equals(left, right) => function(serializer, "Fn::Equals", &(left, right)),
            Self::Not(condition) => function(serializer, "Fn::Not", &[condition]),
            Self::Contains(list, value) => function(serializer, "Fn::Contains", &(list, value)),
            Self::NoValue => function(serializer, "Ref", "AWS::NoValue"),
        }
    }
}

/// `Fn::If` between two property objects (a value [`Expr`] cannot hold an object).
#[derive(Debug, Clone)]
pub struct Choice<T> {
    /// The condition.
    pub condition: Id,
    /// The value when it holds.
    pub then: T,
    /// The value when it does not.
    pub otherwise: T,
}

impl<T: Serialize> Serialize for Choice<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        function(serializer, "Fn::If", &(self.condition, &self.then, &self.otherwise))
    }
}

/// A template parameter.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    /// `String`, `Number`, `CommaDelimitedList`, or an SSM parameter type.
    #[serde(rename = "Type")]
    pub kind: &'static str,
    /// The value when the deployer gives none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// What the parameter means, shown by the console and `cdk deploy --parameters`.
    pub description: String,
    /// The only values accepted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_values: Vec<String>,
    /// Smallest accepted number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_value: Option<i64>,
    /// Largest accepted number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_value: Option<i64>,
    /// A regular expression a `String` value must match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_pattern: Option<&'static str>,
}

impl Parameter {
    /// A `String` parameter.
    pub fn string(default: &str, description: &str) -> Self {
        Self::new("String", default, description)
    }

    /// A `Number` parameter between `min` and `max`.
    pub fn number(default: i64, min: i64, max: i64, description: &str) -> Self {
        Self { min_value: Some(min), max_value: Some(max), ..Self::new("Number", &default.to_string(), description) }
    }

    /// A parameter of any type.
    pub fn new(kind: &'static str, default: &str, description: &str) -> Self {
        Self {
            kind,
            default: Some(default.to_owned()),
            description: description.to_owned(),
            allowed_values: Vec::new(),
            min_value: None,
            max_value: None,
            allowed_pattern: None,
        }
    }

    /// Only these values are accepted.
    pub fn allowed<V: ToString>(mut self, values: impl IntoIterator<Item = V>) -> Self {
        self.allowed_values = values.into_iter().map(|value| value.to_string()).collect();
        self
    }

    /// A `String` value must match `pattern`.
    pub fn pattern(mut self, pattern: &'static str) -> Self {
        self.allowed_pattern = Some(pattern);
        self
    }
}

/// A rule: assertions on parameter values, checked before any resource changes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rule {
    /// When the rule applies; always when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_condition: Option<Expr>,
    /// What must hold.
    pub assertions: Vec<Assertion>,
}

/// One assertion of a [`Rule`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Assertion {
    /// The condition that must hold.
    pub assert: Expr,
    /// The message shown when it does not.
    pub assert_description: String,
}

/// A stack output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Output {
    /// What the value is.
    pub description: &'static str,
    /// The value.
    pub value: Expr,
}

#[cfg(test)]
mod tests {
    use super::{Expr, Id, Pseudo};

    fn json(expr: &Expr) -> String {
        serde_json::to_string(expr).unwrap_or_default()
    }

    #[test]
    fn concat_of_names_and_literals_becomes_a_sub_with_literal_dollars_escaped() {
        let expr = Expr::concat([Expr::from("https://"), Id("Cdn").attr("DomainName"), Expr::from("/${x}")]);
        assert_eq!(json(&expr), r#"{"Fn::Sub":"https://${Cdn.DomainName}/${!x}"}"#);
    }

    #[test]
    fn concat_of_something_sub_cannot_name_becomes_a_join() {
        let expr = Expr::concat([Expr::from("a"), Expr::url_host(Id("Url").attr("FunctionUrl"))]);
        assert_eq!(
            json(&expr),
            r#"{"Fn::Join":["",["a",{"Fn::Select":[2,{"Fn::Split":["/",{"Fn::GetAtt":["Url","FunctionUrl"]}]}]}]]}"#
        );
    }

    #[test]
    fn references_and_conditions_have_their_intrinsic_shapes() {
        assert_eq!(json(&Id("Table").reference()), r#"{"Ref":"Table"}"#);
        assert_eq!(json(&Expr::pseudo(Pseudo::Region)), r#"{"Ref":"AWS::Region"}"#);
        assert_eq!(
            json(&Expr::if_(Id("HasDomain"), Expr::from("a"), Expr::NoValue)),
            r#"{"Fn::If":["HasDomain","a",{"Ref":"AWS::NoValue"}]}"#
        );
        assert_eq!(json(&Expr::not_empty(Id("D").reference())), r#"{"Fn::Not":[{"Fn::Equals":[{"Ref":"D"},""]}]}"#);
    }
}
