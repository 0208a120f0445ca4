import Foundation
import JSONModel

/// The function value of a transform expression (`| pattern | update, delete |`).
final class TransformFunction: Callable, @unchecked Sendable {
    static let signature = try? Signature("<(oa):o>")
    let node: Node
    let frame: Frame
    init(node: Node, frame: Frame) {
        self.node = node
        self.frame = frame
        super.init(kind: .transform, signature: TransformFunction.signature, arity: 1)
    }
}
