/// Counts evaluation work against `ExpressionLimits.maxSteps`.
struct StepBudget {
    private(set) var used = 0

    mutating func spend(_ steps: Int, at offset: Int) throws(ExpressionError) {
        used += steps
        if used > ExpressionLimits.maxSteps {
            throw ExpressionError(offset: offset, message: "evaluation exceeded \(ExpressionLimits.maxSteps) steps")
        }
    }
}
