import { ClerkProvider, useAuth } from '@clerk/clerk-expo'
import { createClient } from '@supabase/supabase-js'
import AsyncStorage from '@react-native-async-storage/async-storage'
import { Text, View } from 'react-native'

const tokenOptions = { template: `supabase` }

export const supabase = createClient(process.env.EXPO_PUBLIC_SUPABASE_URL, process.env.EXPO_PUBLIC_SUPABASE_ANON_KEY, {
  auth: { storage: AsyncStorage, autoRefreshToken: true, persistSession: true },
})

function Tasks() {
  const { getToken } = useAuth()
  const load = async () => {
    const token = await getToken(tokenOptions)
    await supabase.auth.setSession({ access_token: token, refresh_token: '' })
  }
  return (
    <View>
      <Text onPress={load}>Load the user's tasks</Text>
    </View>
  )
}

export default function App() {
  return (
    <ClerkProvider publishableKey={process.env.EXPO_PUBLIC_CLERK_PUBLISHABLE_KEY}>
      <Tasks />
    </ClerkProvider>
  )
}
