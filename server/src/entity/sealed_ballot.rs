use sea_orm::entity::prelude::*;

/// A secret ballot while its vote is open: sealed with the ballot-box key
/// (see `domain::ballot_box`), found again by the hash of its receipt.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sealed_ballot")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub proposal_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub round: i32,
    pub receipt_hash: String,
    /// The nonce, then the ciphertext with its tag.
    pub envelope: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
