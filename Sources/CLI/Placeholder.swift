// CLI
public enum XeroflowCommand {}
