package serve

// runtimeHasModes: on Windows, ACLs decide and the mode says nothing.
const runtimeHasModes = false
