public enum TallyRulesPlaceholder {}
