// Runs the conformance suites in ../shared/conformance; see RunnerCommand.swift.
import Conformance
import Foundation

exit(RunnerCommand.main(arguments: Array(CommandLine.arguments.dropFirst())))
