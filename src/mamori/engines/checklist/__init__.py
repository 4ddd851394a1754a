"""The MHLW cybersecurity checklists as versioned data: definitions, their loader, and the official-layout exports."""
