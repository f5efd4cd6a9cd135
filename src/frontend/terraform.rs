//! Terraform modules into the model. (Being written.)

use crate::loader::Node;
use crate::model::{Format, Model};

/// Builds the model of one module: the `.tf` files of one directory, as (display path, tree).
pub fn build(files: &[(String, Node)]) -> Model {
    Model::new(Format::Terraform, files.iter().map(|(p, _)| p.clone()).collect())
}
